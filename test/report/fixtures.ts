// Synthetic but realistic event streams (what the runner emits, in its order) for the reporter
// tests: success, retry then success, failure with output, resume with `done` skips, interruption,
// and a phase with many hosts. Hosts in a phase interleave step by step like concurrent hosts do.
import type { ErrorInfo, FailureInfo, PlayEvent, PlayEventBody, SkipReason } from '../../engine/events/types.js';

export interface StepScript {
  id: string;
  title?: string;
  uses?: string;
  attempts?: number;
  /** Failed attempts (each followed by a retry) before the final outcome. */
  failuresFirst?: number;
  outcome?: 'ok' | { skip: SkipReason; detail?: string } | { fail: ErrorInfo } | 'interrupt';
  output?: string[];
  durationMs?: number;
  retryDelayMs?: number;
}

export interface PhaseScript {
  name: string;
  hosts: string[];
  /** Hosts at once: the simulation starts hosts in waves of this size (default: all). */
  concurrency?: number;
  steps: StepScript[];
  /** Per host overrides of step outcomes: host → step id → script patch. */
  overrides?: Record<string, Record<string, Partial<StepScript>>>;
}

export interface RunScript {
  playbook?: string;
  phases: PhaseScript[];
  resumed?: boolean;
  /**
   * Emit `step.skipped not-reached` for every step that will not run after a failure, as the
   * runner does (default true); false checks that reporters cope without them.
   */
  notReachedSkips?: boolean;
}

export const STATE_FILE = '.podsec-play/state.json';
export const LOG_FILE = '.podsec-play/run.log';
const BASE = Date.parse('2026-01-01T10:00:00.000Z');

/** Turns a script into the event sequence a runner would emit. */
export function simulate(script: RunScript, runId = 'run-1'): PlayEvent[] {
  const events: PlayEvent[] = [];
  let clock = BASE;
  const emit = (body: PlayEventBody, advanceMs = 0): void => {
    clock += advanceMs;
    events.push({ ...body, ts: new Date(clock).toISOString(), runId } as PlayEvent);
  };
  const allHosts = [...new Set(script.phases.flatMap((p) => p.hosts))];
  const runStart = clock;
  emit({
    type: 'run.started',
    playbook: script.playbook ?? 'cluster',
    planHash: '3f2a9c0d5e7b1a4c8d6e2f0a9b3c5d7e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c',
    hosts: allHosts,
    phases: script.phases.map((p) => ({ name: p.name, hosts: p.hosts, steps: p.steps.length * p.hosts.length })),
    resumed: script.resumed ?? false,
    stateFile: STATE_FILE,
    logFile: LOG_FILE,
  });
  const failures: FailureInfo[] = [];
  let stopped: 'failed' | 'interrupted' | undefined;
  for (const phase of script.phases) {
    const notReached = (host: string, steps: StepScript[]) => {
      if (script.notReachedSkips === false) return;
      for (const r of steps) emit({ type: 'step.skipped', phase: phase.name, host, step: r.id, uses: r.uses ?? 'shell', title: r.title ?? r.id, reason: 'not-reached' }, 1);
    };
    if (stopped) {
      emit({ type: 'phase.skipped', phase: phase.name, reason: 'not-reached' });
      for (const host of phase.hosts) notReached(host, phase.steps);
      continue;
    }
    const phaseStart = clock;
    emit({ type: 'phase.started', phase: phase.name, hosts: phase.hosts }, 5);
    const hostStart = new Map<string, number>();
    const hostDone = new Map<string, 'ok' | 'failed'>();
    const width = phase.concurrency ?? phase.hosts.length;
    for (let w = 0; w < phase.hosts.length; w += width) {
      const wave = phase.hosts.slice(w, w + width);
      if (stopped) {
        for (const host of wave) {
          emit({ type: 'host.skipped', phase: phase.name, host, reason: 'not-reached' }, 1);
          notReached(host, phase.steps);
        }
        continue;
      }
      for (const host of wave) {
        hostStart.set(host, clock);
        emit({ type: 'host.started', phase: phase.name, host }, 1);
      }
      for (const base of phase.steps) {
        for (const host of wave) {
          if (hostDone.has(host)) continue;
          const s: StepScript = { ...base, ...(phase.overrides?.[host]?.[base.id] ?? {}) };
          const ref = { phase: phase.name, host, step: s.id, uses: s.uses ?? 'shell', title: s.title ?? s.id };
          const attempts = s.attempts ?? 1;
          const outcome = s.outcome ?? 'ok';
          if (typeof outcome === 'object' && 'skip' in outcome) {
            emit({ type: 'step.skipped', ...ref, reason: outcome.skip, ...(outcome.detail ? { detail: outcome.detail } : {}) }, 2);
            continue;
          }
          const duration = s.durationMs ?? 1200;
          let attempt = 1;
          for (; attempt <= (s.failuresFirst ?? 0); attempt++) {
            emit({ type: 'step.started', ...ref, attempt, attempts }, 3);
            emit({ type: 'step.output', ...ref, stream: 'stderr', line: `attempt ${attempt}: mirror unreachable` }, duration);
            const delayMs = s.retryDelayMs ?? 4000;
            emit({
              type: 'step.retrying',
              ...ref,
              attempt,
              attempts,
              delayMs,
              nextAttemptAt: new Date(clock + delayMs).toISOString(),
              error: { code: 'E_COMMAND', message: 'curl: (7) Failed to connect to mirror port 80', exitCode: 7, command: 'curl -fsS http://mirror/x', output: 'curl: (7) Failed to connect to mirror port 80' },
            });
            clock += delayMs;
          }
          emit({ type: 'step.started', ...ref, attempt, attempts }, 3);
          for (const line of s.output ?? []) emit({ type: 'step.output', ...ref, stream: 'stdout', line }, 10);
          if (outcome === 'ok') {
            emit({ type: 'step.succeeded', ...ref, attempt, durationMs: duration }, duration);
          } else if (outcome === 'interrupt') {
            emit({ type: 'step.failed', ...ref, attempt, durationMs: 300, error: { code: 'E_ABORTED', message: 'interrupted by SIGINT' } }, 300);
            hostDone.set(host, 'failed');
            stopped = 'interrupted';
          } else if ('fail' in outcome) {
            emit({ type: 'step.failed', ...ref, attempt, durationMs: duration, error: outcome.fail }, duration);
            hostDone.set(host, 'failed');
            const f = outcome.fail;
            failures.push({ host, step: s.id, message: f.message, code: f.code, ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}), ...(f.command ? { command: f.command } : {}) });
            stopped ??= 'failed';
          }
          if (hostDone.get(host) === 'failed') {
            notReached(host, phase.steps.slice(phase.steps.indexOf(base) + 1));
            const error: ErrorInfo =
              outcome === 'interrupt' ? { code: 'E_ABORTED', message: 'interrupted by SIGINT' } : (outcome as { fail: ErrorInfo }).fail;
            emit({ type: 'host.failed', phase: phase.name, host, durationMs: clock - (hostStart.get(host) ?? clock), error }, 1);
          }
        }
      }
      for (const host of wave) {
        if (!hostDone.has(host)) emit({ type: 'host.succeeded', phase: phase.name, host, durationMs: clock - (hostStart.get(host) ?? clock) }, 1);
      }
    }
    if (stopped) emit({ type: 'phase.failed', phase: phase.name, durationMs: clock - phaseStart }, 1);
    else emit({ type: 'phase.succeeded', phase: phase.name, durationMs: clock - phaseStart }, 1);
  }
  const durationMs = clock - runStart;
  if (stopped === 'interrupted') emit({ type: 'run.interrupted', durationMs, stateFile: STATE_FILE }, 1);
  else if (stopped === 'failed') emit({ type: 'run.failed', durationMs, failures }, 1);
  else emit({ type: 'run.succeeded', durationMs }, 1);
  return events;
}

const preflight: PhaseScript = {
  name: 'preflight',
  hosts: ['cp-1', 'w-1', 'w-2'],
  steps: [
    { id: 'reachable', title: 'Host is reachable', uses: 'preflight', durationMs: 200 },
    { id: 'swap-off', title: 'Swap is off', durationMs: 150, output: ['Filename Type Size Used Priority'] },
  ],
};
const master: PhaseScript = {
  name: 'master',
  hosts: ['cp-1'],
  steps: [
    { id: 'create-policy', title: 'podsec-create-policy', outcome: { skip: 'check', detail: '/etc/containers/policy.json exists' } },
    { id: 'kubeadm-init', title: 'kubeadm init', uses: 'kubeadm-init', durationMs: 41_000, output: ['[init] Using Kubernetes version: v1.28.3', '[addons] Applied essential addon: CoreDNS'] },
  ],
};
const workers: PhaseScript = {
  name: 'workers',
  hosts: ['w-1', 'w-2'],
  steps: [{ id: 'join', title: 'kubeadm join', uses: 'kubeadm-join', attempts: 3, durationMs: 9000 }],
};

export function successRun(): PlayEvent[] {
  return simulate({ phases: [preflight, master, workers] });
}

export function retryThenSuccessRun(): PlayEvent[] {
  return simulate({
    phases: [preflight, master, { ...workers, overrides: { 'w-2': { join: { failuresFirst: 2 } } } }],
  });
}

export const FAILURE_OUTPUT = [
  '[preflight] Running pre-flight checks',
  'error execution phase preflight: [preflight] Some fatal errors occurred:',
  '\t[ERROR Port-6443]: Port 6443 is in use',
  '\x1b[31mTo see the stack trace of this error execute with --v=5 or higher\x1b[0m',
];

export function failureRun(notReachedSkips = true): PlayEvent[] {
  return simulate({
    notReachedSkips,
    phases: [
      preflight,
      {
        ...master,
        steps: [
          ...master.steps.slice(0, 1),
          {
            id: 'kubeadm-init',
            title: 'kubeadm init',
            uses: 'kubeadm-init',
            attempts: 2,
            failuresFirst: 1,
            retryDelayMs: 2000,
            output: FAILURE_OUTPUT,
            outcome: {
              fail: {
                code: 'E_COMMAND',
                // The cause as the runner words it: the program's last meaningful lines.
                message: 'error execution phase preflight: [preflight] Some fatal errors occurred:\n  [ERROR Port-6443]: Port 6443 is in use',
                exitCode: 1,
                command: 'kubeadm init --config /etc/kubernetes/kubeadm.yaml',
                output: FAILURE_OUTPUT.join('\n'),
              },
            },
          },
          { id: 'save-join', title: 'Save join command' },
        ],
      },
      workers,
    ],
  });
}

export function resumeRun(): PlayEvent[] {
  const done = { outcome: { skip: 'done' as const } };
  return simulate({
    resumed: true,
    phases: [
      { ...preflight, steps: preflight.steps.map((s) => ({ ...s, ...done })) },
      { ...master, steps: [{ ...master.steps[0]!, ...done }, { ...master.steps[1]!, ...done }] },
      workers,
    ],
  });
}

export function interruptedRun(): PlayEvent[] {
  return simulate({
    phases: [preflight, master, { ...workers, overrides: { 'w-1': { join: { outcome: 'interrupt' } } } }],
  });
}

export function manyHostsRun(count = 20): PlayEvent[] {
  const hosts = Array.from({ length: count }, (_, i) => `w-${String(i + 1).padStart(2, '0')}`);
  return simulate({
    phases: [
      {
        name: 'workers',
        hosts,
        concurrency: 5,
        steps: [
          { id: 'copy-policy', title: 'Copy policy', durationMs: 300 },
          { id: 'join', title: 'kubeadm join', attempts: 3, durationMs: 2000 },
        ],
        overrides: { [hosts[3]!]: { join: { failuresFirst: 1 } } },
      },
    ],
  });
}

/** Events containing a secret that the bus has already masked, as reporters receive them. */
export function maskedSecretRun(): PlayEvent[] {
  return simulate({
    phases: [
      {
        name: 'master',
        hosts: ['cp-1'],
        steps: [{ id: 'token', title: 'kubeadm token create', output: ['kubeadm join 127.0.1.1:6443 --token [REDACTED]'] }],
      },
    ],
  });
}

/** Ctrl-C as the runner does it: a warning, then run.interrupted with steps still in flight. */
export function interruptedMidStepRun(): PlayEvent[] {
  const events = retryThenSuccessRun();
  const cut = events.findIndex((e) => e.type === 'step.started' && e.phase === 'workers' && e.host === 'w-2');
  const last = events[cut]!;
  const at = (ms: number) => new Date(Date.parse(last.ts) + ms).toISOString();
  return [
    ...events.slice(0, cut + 1),
    { type: 'log', level: 'warn', message: 'SIGINT: stopping running commands and saving the state…', ts: at(500), runId: last.runId },
    { type: 'run.interrupted', durationMs: 50_000, stateFile: STATE_FILE, ts: at(900), runId: last.runId },
  ];
}

/** A run stopped by its preflight: one host's swap is on, nothing ran. */
export function preflightFailedRun(): PlayEvent[] {
  const ts = (ms: number) => new Date(BASE + ms).toISOString();
  const runId = 'run-1';
  const results = [
    { host: 'cp-1', check: 'reachable', title: 'reachable, facts gathered', status: 'ok' as const, detail: 'ALT Server 10.2 (platform p10)', steps: [] },
    { host: 'w-1', check: 'reachable', title: 'reachable, facts gathered', status: 'ok' as const, detail: 'ALT Server 10.2 (platform p10)', steps: [] },
    {
      host: 'w-1',
      check: 'swap-off',
      title: 'swap is off',
      status: 'failed' as const,
      reason: 'swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap)',
      fix: 'swapoff -a, and remove the swap lines from /etc/fstab so it stays off after a reboot',
      steps: ['workers/join'],
    },
  ];
  return [
    {
      type: 'run.started',
      playbook: 'cluster',
      planHash: '3f2a9c0d5e7b1a4c8d6e2f0a9b3c5d7e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c',
      hosts: ['cp-1', 'w-1'],
      phases: [
        { name: 'master', hosts: ['cp-1'], steps: 1 },
        { name: 'workers', hosts: ['w-1'], steps: 1 },
      ],
      resumed: false,
      stateFile: STATE_FILE,
      logFile: LOG_FILE,
      ts: ts(0),
      runId,
    },
    { type: 'log', level: 'info', message: 'facts: ALT Server 10.2 (platform p10)', host: 'cp-1', ts: ts(400), runId },
    { type: 'preflight.finished', durationMs: 450, ok: false, hosts: 2, results, ts: ts(450), runId },
    { type: 'run.failed', durationMs: 460, failures: [{ host: 'w-1', step: 'preflight/swap-off', message: `${results[2]!.reason} (fix: ${results[2]!.fix})`, code: 'E_PREFLIGHT' }], ts: ts(460), runId },
  ];
}
