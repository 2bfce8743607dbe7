// Fake effects for machine tests: scripted outcomes per step key, a virtual clock, and a log
// of every callback in order.
import { PlayError } from '../../engine/errors.js';
import type { RunEffects, StepResumeInfo } from '../../engine/run/effects.js';
import type { Plan, PlannedStep } from '../../engine/plan/types.js';
import type { RetrySpec } from '../../engine/model.js';

/** 'deaf': ignores its abort and succeeds once the step's next attempt has started (a stale
 * outcome the machine must not take for the running attempt's). */
export type Outcome = 'ok' | 'fail' | 'fatal' | 'hang' | 'done' | 'deaf';

export function makePlan(
  phases: { name: string; hosts: string[]; steps: string[]; concurrency?: number; serial?: boolean; retry?: Partial<RetrySpec>; timeoutMs?: number; parallel?: string[] }[],
): Plan {
  return {
    playbook: 'test',
    playbookFile: 'test.yaml',
    inventoryFile: 'inv.yaml',
    hash: 'h',
    engineVersion: 'test',
    hosts: [],
    phases: phases.map((p) => ({
      name: p.name,
      serial: p.serial ?? false,
      skipSealed: false,
      concurrency: p.serial ? 1 : (p.concurrency ?? p.hosts.length),
      hosts: p.hosts.map((h) => ({
        name: h,
        steps: p.steps.map(
          (s): PlannedStep => ({
            key: `${p.name}/${h}/${s}`,
            phase: p.name,
            host: h,
            id: s,
            uses: 'shell',
            title: s,
            with: {},
            retry: { attempts: 1, delayMs: 100, backoff: 2, maxDelayMs: 1000, ...p.retry },
            timeoutMs: p.timeoutMs,
            when: undefined,
            ...(p.parallel?.includes(s) ? { parallel: true } : {}),
            at: 'test.yaml:1:1',
          }),
        ),
      })),
    })),
  };
}

export class FakeEffects implements RunEffects {
  log: string[] = [];
  clock = 1_000_000;
  running = 0;
  maxRunning = 0;
  finished = new Set<string>();
  /** Steps whose hanging attempt was aborted (in order). */
  aborted: string[] = [];
  /** Each step's latest attempt's signal. */
  signals = new Map<string, AbortSignal>();
  /** Steps whose start throws (a bug in an effect). */
  throwOnStart = new Set<string>();
  backoff = new Map<string, number>();
  private scripts = new Map<string, Outcome[]>();
  private waiters: (() => void)[] = [];

  script(key: string, ...outcomes: Outcome[]): this {
    this.scripts.set(key, outcomes);
    return this;
  }

  resumeInfo(step: PlannedStep): StepResumeInfo {
    const next = this.backoff.get(step.key);
    return { finished: this.finished.has(step.key), ...(next ? { nextAttemptAt: next } : {}) };
  }
  async check(step: PlannedStep) {
    const first = this.scripts.get(step.key)?.[0];
    if (first === 'done') return { done: true, reason: 'check' as const };
    return { done: false };
  }
  private deafRuns = new Map<string, () => void>();

  private runs = new Set<Promise<void>>();

  run(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<void> {
    const p = this.runBody(step, attempt, signal);
    this.runs.add(p);
    const done = () => this.runs.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once every attempt started so far has ended (however). */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }

  private async runBody(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<void> {
    const outcome = this.scripts.get(step.key)?.[attempt - 1] ?? 'ok';
    this.signals.set(step.key, signal);
    this.deafRuns.get(step.key)?.();
    if (outcome === 'deaf') {
      this.log.push(`deaf ${step.key} #${attempt}`);
      return new Promise<void>((resolve) => this.deafRuns.set(step.key, resolve));
    }
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      // Let other hosts start before this one finishes, so concurrency is observable.
      await new Promise((r) => setImmediate(r));
      if (outcome === 'hang') {
        await new Promise<void>((_, reject) => {
          const onAbort = () => {
            this.aborted.push(step.key);
            reject(new Error('aborted'));
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      if (outcome === 'fail') throw new PlayError(`${step.key} failed`, { code: 'E_COMMAND', retryable: true });
      if (outcome === 'fatal') throw new PlayError(`${step.key} fatal`, { code: 'E_STEP', retryable: false });
    } finally {
      this.running--;
    }
  }
  async sleepUntil(until: number) {
    this.log.push(`sleep ${until - this.clock}`);
    this.clock = Math.max(this.clock, until);
  }
  now() {
    return this.clock;
  }
  describeError(error: unknown) {
    const e = error as PlayError;
    return { code: e.code ?? 'E_STEP', message: e.message, retryable: e.retryable ?? false };
  }
  stepStarted(s: PlannedStep, a: number) {
    this.log.push(`start ${s.key} #${a}`);
    if (this.throwOnStart.has(s.key)) throw new Error(`boom at ${s.key}`);
  }
  stepSucceeded(s: PlannedStep, a: number) {
    this.log.push(`ok ${s.key} #${a}`);
  }
  stepSkipped(s: PlannedStep, reason: string) {
    this.log.push(`skip ${s.key} ${reason}`);
  }
  stepRetrying(s: PlannedStep, a: number, _e: unknown, delay: number) {
    this.log.push(`retry ${s.key} #${a} in ${delay}`);
  }
  stepFailed(s: PlannedStep, a: number) {
    this.log.push(`fail ${s.key} #${a}`);
  }
  hostStarted(p: { name: string }, h: { name: string }) {
    this.log.push(`host-start ${p.name}/${h.name}`);
  }
  hostSucceeded(p: { name: string }, h: { name: string }) {
    this.log.push(`host-ok ${p.name}/${h.name}`);
  }
  hostFailed(p: { name: string }, h: { name: string }) {
    this.log.push(`host-fail ${p.name}/${h.name}`);
  }
  hostSkipped(p: { name: string }, h: { name: string }) {
    this.log.push(`host-skip ${p.name}/${h.name}`);
  }
  phaseStarted(p: { name: string }) {
    this.log.push(`phase-start ${p.name}`);
  }
  phaseSucceeded(p: { name: string }) {
    this.log.push(`phase-ok ${p.name}`);
  }
  phaseFailed(p: { name: string }) {
    this.log.push(`phase-fail ${p.name}`);
  }
  phaseSkipped(p: { name: string }) {
    this.log.push(`phase-skip ${p.name}`);
  }
  waitIdle(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}
