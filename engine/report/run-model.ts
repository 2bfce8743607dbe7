// What the reporters know about a run, rebuilt from the event stream alone: the TUI tree, the
// summaries and the JUnit report all read this one model instead of re-deriving state each.
import type { ErrorInfo, PlayEvent, PreflightResultEvent, SkipReason } from '../events/types.js';
import { parseTime } from './clock-time.js';

export type NodeStatus = 'waiting' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';

/** How many output lines a step keeps (for failure summaries and JUnit system-out). */
export const OUTPUT_TAIL = 50;

export interface RetryNote {
  attempt: number;
  attempts: number;
  error: ErrorInfo;
  nextAttemptAt: string;
}

export interface StepNode {
  key: string;
  phase: string;
  host: string;
  step: string;
  uses: string;
  title: string;
  status: NodeStatus;
  attempt: number;
  attempts: number;
  /** Start of the current attempt (ms since epoch, from event time stamps). */
  startedAt?: number;
  /** Start of the first attempt this run saw. */
  firstStartedAt?: number;
  endedAt?: number;
  durationMs?: number;
  nextAttemptAt?: number;
  skipReason?: SkipReason;
  skipDetail?: string;
  error?: ErrorInfo;
  retries: RetryNote[];
  lastOutput?: string;
  outputTail: string[];
}

export interface HostNode {
  phase: string;
  name: string;
  status: NodeStatus;
  startedAt?: number;
  durationMs?: number;
  skipReason?: SkipReason;
  error?: ErrorInfo;
  steps: StepNode[];
}

export interface PhaseNode {
  name: string;
  /** Steps per host: run.started announces step instances per phase (hosts × steps); 0 when unknown. */
  stepCount: number;
  status: NodeStatus;
  startedAt?: number;
  durationMs?: number;
  skipReason?: SkipReason;
  hosts: HostNode[];
}

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'interrupted';

export class RunModel {
  runId = '';
  playbook = '';
  planHash = '';
  resumed = false;
  stateFile = '';
  logFile = '';
  hosts: string[] = [];
  startedAt: number | undefined;
  outcome: RunOutcome = 'running';
  durationMs: number | undefined;
  failures: { host: string; step: string; message: string }[] = [];
  /** The preflight before the first phase (undefined until it finished). */
  preflight: { ok: boolean; durationMs: number; results: PreflightResultEvent[] } | undefined;
  readonly phases: PhaseNode[] = [];
  // Step lookups happen on every event: by key, not by scanning a host's list.
  private readonly stepsByKey = new Map<string, StepNode>();
  /** Warnings and errors from `log` events, in order, with the phase that was running then. */
  readonly notices: { level: 'warn' | 'error'; message: string; host?: string; phase?: string }[] = [];
  /** `note` events: what the admin needs after the run (the summary's last lines). */
  readonly notes: string[] = [];

  phase(name: string): PhaseNode {
    let node = this.phases.find((p) => p.name === name);
    if (!node) {
      node = { name, stepCount: 0, status: 'waiting', hosts: [] };
      this.phases.push(node);
    }
    return node;
  }

  host(phase: string, name: string): HostNode {
    const p = this.phase(phase);
    let node = p.hosts.find((h) => h.name === name);
    if (!node) {
      node = { phase, name, status: 'waiting', steps: [] };
      p.hosts.push(node);
    }
    return node;
  }

  step(ref: { phase: string; host: string; step: string; uses: string; title: string }): StepNode {
    const key = `${ref.phase}/${ref.host}/${ref.step}`;
    let node = this.stepsByKey.get(key);
    if (!node) {
      const h = this.host(ref.phase, ref.host);
      node = {
        key: `${ref.phase}/${ref.host}/${ref.step}`,
        phase: ref.phase,
        host: ref.host,
        step: ref.step,
        uses: ref.uses,
        title: ref.title,
        status: 'waiting',
        attempt: 0,
        attempts: 1,
        retries: [],
        outputTail: [],
      };
      h.steps.push(node);
      this.stepsByKey.set(key, node);
    }
    return node;
  }

  /** Every step of every phase, in the order they were first seen. */
  allSteps(): StepNode[] {
    return this.phases.flatMap((p) => p.hosts.flatMap((h) => h.steps));
  }

  /** Feed one event; returns the step, host or phase node it changed (if any). */
  apply(event: PlayEvent): StepNode | HostNode | PhaseNode | undefined {
    const at = parseTime(event.ts) ?? Date.now();
    switch (event.type) {
      case 'preflight.finished':
        this.preflight = { ok: event.ok, durationMs: event.durationMs, results: event.results };
        return undefined;
      case 'run.started':
        this.runId = event.runId;
        this.playbook = event.playbook;
        this.planHash = event.planHash;
        this.resumed = event.resumed;
        this.stateFile = event.stateFile;
        this.logFile = event.logFile;
        this.hosts = [...event.hosts];
        this.startedAt = at;
        for (const p of event.phases) {
          const node = this.phase(p.name);
          node.stepCount = p.hosts.length > 0 ? Math.ceil(p.steps / p.hosts.length) : 0;
          for (const h of p.hosts) this.host(p.name, h);
        }
        return undefined;
      case 'run.succeeded':
        this.outcome = 'succeeded';
        this.durationMs = event.durationMs;
        return undefined;
      case 'run.failed':
        this.outcome = 'failed';
        this.durationMs = event.durationMs;
        this.failures = event.failures;
        return undefined;
      case 'run.interrupted':
        this.outcome = 'interrupted';
        this.durationMs = event.durationMs;
        if (event.stateFile) this.stateFile = event.stateFile;
        return undefined;
      case 'phase.started': {
        const p = this.phase(event.phase);
        p.status = 'running';
        p.startedAt = at;
        for (const h of event.hosts) this.host(event.phase, h);
        return p;
      }
      case 'phase.succeeded':
      case 'phase.failed': {
        const p = this.phase(event.phase);
        p.status = event.type === 'phase.succeeded' ? 'succeeded' : 'failed';
        p.durationMs = event.durationMs;
        return p;
      }
      case 'phase.skipped': {
        const p = this.phase(event.phase);
        p.status = 'skipped';
        p.skipReason = event.reason;
        return p;
      }
      case 'host.started': {
        const h = this.host(event.phase, event.host);
        h.status = 'running';
        h.startedAt = at;
        return h;
      }
      case 'host.succeeded': {
        const h = this.host(event.phase, event.host);
        h.status = 'succeeded';
        h.durationMs = event.durationMs;
        return h;
      }
      case 'host.failed': {
        const h = this.host(event.phase, event.host);
        h.status = 'failed';
        h.durationMs = event.durationMs;
        h.error = event.error;
        return h;
      }
      case 'host.skipped': {
        const h = this.host(event.phase, event.host);
        h.status = 'skipped';
        h.skipReason = event.reason;
        return h;
      }
      case 'step.started': {
        const s = this.step(event);
        s.status = 'running';
        s.attempt = event.attempt;
        s.attempts = event.attempts;
        s.startedAt = at;
        s.firstStartedAt ??= at;
        s.nextAttemptAt = undefined;
        s.lastOutput = undefined;
        return s;
      }
      case 'step.succeeded': {
        const s = this.step(event);
        s.status = 'succeeded';
        s.attempt = event.attempt;
        s.durationMs = event.durationMs;
        s.endedAt = at;
        return s;
      }
      case 'step.skipped': {
        const s = this.step(event);
        s.status = 'skipped';
        s.skipReason = event.reason;
        s.skipDetail = event.detail;
        s.endedAt = at;
        return s;
      }
      case 'step.retrying': {
        const s = this.step(event);
        s.status = 'retrying';
        s.attempt = event.attempt;
        s.attempts = event.attempts;
        s.error = event.error;
        s.nextAttemptAt = parseTime(event.nextAttemptAt) ?? at + event.delayMs;
        s.retries.push({ attempt: event.attempt, attempts: event.attempts, error: event.error, nextAttemptAt: event.nextAttemptAt });
        return s;
      }
      case 'step.failed': {
        const s = this.step(event);
        s.status = 'failed';
        s.attempt = event.attempt;
        s.durationMs = event.durationMs;
        s.error = event.error;
        s.endedAt = at;
        return s;
      }
      case 'step.output': {
        const s = this.step(event);
        s.lastOutput = event.line;
        s.outputTail.push(event.line);
        if (s.outputTail.length > OUTPUT_TAIL) s.outputTail.splice(0, s.outputTail.length - OUTPUT_TAIL);
        return s;
      }
      case 'note':
        // Hosts that say the same thing (where monitoring goes, say) say it once in the summary.
        if (!this.notes.includes(event.message)) this.notes.push(event.message);
        return undefined;
      case 'log':
        if (event.level === 'warn' || event.level === 'error') {
          const phase = this.phases.find((p) => p.status === 'running')?.name;
          this.notices.push({ level: event.level, message: event.message, ...(event.host === undefined ? {} : { host: event.host }), ...(phase ? { phase } : {}) });
        }
        return undefined;
    }
  }
}

export function isFinished(status: NodeStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'skipped';
}
