// The one typed event stream. The TUI, plain lines, JSON lines, JUnit, the pino log and the
// journal all consume these; steps and machines only emit them. schemas/events.schema.json
// describes the same shapes for consumers of `--json`.

export type SkipReason =
  | 'done' // finished by an earlier run (resume)
  | 'check' // the kind's idempotency check says it is already in place
  | 'creates' // the `creates:` path exists
  | 'when' // the `when:` condition is false
  | 'deferred' // not for this run, checked again by the next (disable-ssh under --keep-ssh)
  | 'sealed' // the host's SSH was turned off by an earlier run and the phase leaves sealed hosts out
  | 'not-reached'; // an earlier step, host or phase failed, or the run was interrupted

export interface StepRef {
  phase: string;
  host: string;
  step: string;
  uses: string;
  title: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
  exitCode?: number;
  command?: string;
  /** Last lines of the command's output (masked like everything else). */
  output?: string;
}

/** One host × check of a preflight. */
export interface PreflightResultEvent {
  host: string;
  check: string;
  title: string;
  /** skipped: the admin asked for it (--skip-check); the reason it gave is kept in detail. */
  status: 'ok' | 'failed' | 'skipped';
  detail?: string;
  reason?: string;
  fix?: string;
  /** The steps that declared the check (`phase/step`); empty for `reachable`. */
  steps: string[];
}

/** One failed step in `run.failed`: the cause is `message` (the program's own words); the
 * command line, when there was one, is `command`. */
export interface FailureInfo {
  host: string;
  step: string;
  message: string;
  code: string;
  exitCode?: number;
  command?: string;
}

export type PlayEventBody =
  | {
      type: 'run.started';
      playbook: string;
      planHash: string;
      hosts: string[];
      phases: { name: string; hosts: string[]; steps: number }[];
      resumed: boolean;
      stateFile: string;
      logFile: string;
    }
  | { type: 'run.succeeded'; durationMs: number }
  | { type: 'run.failed'; durationMs: number; failures: FailureInfo[] }
  | { type: 'run.interrupted'; durationMs: number; stateFile: string }
  | { type: 'preflight.finished'; durationMs: number; ok: boolean; hosts: number; results: PreflightResultEvent[] }
  | { type: 'phase.started'; phase: string; hosts: string[] }
  | { type: 'phase.succeeded'; phase: string; durationMs: number }
  | { type: 'phase.failed'; phase: string; durationMs: number }
  | { type: 'phase.skipped'; phase: string; reason: SkipReason }
  | { type: 'host.started'; phase: string; host: string }
  | { type: 'host.succeeded'; phase: string; host: string; durationMs: number }
  | { type: 'host.failed'; phase: string; host: string; durationMs: number; error: ErrorInfo }
  | { type: 'host.skipped'; phase: string; host: string; reason: SkipReason }
  | (StepRef & { type: 'step.started'; attempt: number; attempts: number })
  | (StepRef & { type: 'step.succeeded'; attempt: number; durationMs: number })
  | (StepRef & { type: 'step.skipped'; reason: SkipReason; detail?: string })
  | (StepRef & {
      type: 'step.retrying';
      attempt: number;
      attempts: number;
      error: ErrorInfo;
      delayMs: number;
      nextAttemptAt: string;
    })
  | (StepRef & { type: 'step.failed'; attempt: number; durationMs: number; error: ErrorInfo })
  | (StepRef & { type: 'step.output'; stream: 'stdout' | 'stderr'; line: string })
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; host?: string }
  /** Something the admin needs once the run is over (where the kubeconfig is, what to type next):
   * reporters repeat notes at the end of the summary. */
  | { type: 'note'; message: string; host?: string };

export type PlayEventType = PlayEventBody['type'];

/** Every event carries when it happened and which run it belongs to. */
export type PlayEvent = PlayEventBody & { ts: string; runId: string };

export type EventListener = (event: PlayEvent) => void;
