// The recording half of RunEffects: every transition the machines report is written to the
// journal (the source of truth for resume) and emitted on the event bus, in that order. A
// successful sealing step also records the seal, a failed one says which hosts are sealed and
// which are not, and a failure joins the run's failure list.
import type { EventBus } from '../events/bus.js';
import type { FailureInfo } from '../events/types.js';
import type { Journal } from '../journal/journal.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import type { Inventory } from '../model.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { StepKind } from '../step-kind.js';
import type { TransportPool } from '../transport/pool.js';
import { stepRef, type Announcer } from './announcer.js';
import type { RunEffects } from './effects.js';
import { sealSummary, withSealSummary } from './seal-ledger.js';
import type { StepOutputs } from './step-outputs.js';

export interface StepRecordDeps {
  plan: Plan;
  inventory: Inventory;
  journal: Journal;
  seals: SealRegistry;
  bus: EventBus;
  pool: TransportPool;
  outputs: StepOutputs;
  announce: Announcer;
  now: () => number;
  /** Filled with each failed step, for run.failed. */
  failures: FailureInfo[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
}

type Transitions = Omit<RunEffects, 'resumeInfo' | 'check' | 'run' | 'sleepUntil' | 'now' | 'describeError'>;

export function createStepRecords(d: StepRecordDeps): Transitions {
  const { journal, bus, announce } = d;
  const at = () => new Date(d.now()).toISOString();

  function recordSeal(step: PlannedStep, outputs: Record<string, string> | undefined): void {
    if (!d.findKind(step.uses)?.sealsHost || outputs?.sealed !== 'true') return;
    const host = d.inventory.hosts.find((h) => h.name === step.host)!;
    const record = { host: host.name, address: host.address, port: host.port, runId: bus.runId, at: outputs.at ?? at() };
    journal.seal(record);
    d.seals.add(record);
    void d.pool.drop(host.name);
  }

  return {
    stepStarted(step, attempt) {
      announce.touch(step);
      announce.host(step.phase, step.host);
      journal.update(step.key, { status: 'running', attempts: attempt, startedAt: at(), nextAttemptAt: undefined, error: undefined });
      // Delivered once the command is under way (see EventBus.defer); the journal is written now.
      bus.defer({ type: 'step.started', ...stepRef(step), attempt, attempts: step.retry.attempts });
    },
    stepSucceeded(step, attempt, durationMs) {
      const out = d.outputs.take(step);
      journal.update(step.key, {
        status: 'succeeded',
        endedAt: at(),
        outputs: out?.outputs ?? {},
        secretOutputs: out?.secret.length ? out.secret : undefined,
      });
      recordSeal(step, out?.outputs);
      bus.defer({ type: 'step.succeeded', ...stepRef(step), attempt, durationMs });
    },
    stepSkipped(step, reason, detail) {
      announce.touch(step);
      if (reason === 'not-reached') {
        bus.emit({ type: 'step.skipped', ...stepRef(step), reason });
        return;
      }
      announce.host(step.phase, step.host);
      if (reason === 'deferred' || reason === 'sealed') {
        journal.update(step.key, { status: 'pending', skipReason: reason, endedAt: at() });
      } else if (reason !== 'done') {
        const out = d.outputs.take(step);
        journal.update(step.key, {
          status: 'skipped',
          skipReason: reason,
          endedAt: at(),
          outputs: out?.outputs ?? {},
          secretOutputs: out?.secret.length ? out.secret : undefined,
        });
      }
      bus.emit({ type: 'step.skipped', ...stepRef(step), reason, ...(detail ? { detail } : {}) });
    },
    stepRetrying(step, attempt, error, delayMs, untilMs) {
      const nextAttemptAt = new Date(untilMs).toISOString();
      journal.update(step.key, { status: 'retrying', error, nextAttemptAt });
      bus.emit({ type: 'step.retrying', ...stepRef(step), attempt, attempts: step.retry.attempts, error, delayMs, nextAttemptAt });
    },
    stepFailed(step, attempt, failure, durationMs) {
      // A failed seal says where the cluster stands: which hosts are sealed, which are not (on
      // the message's first line, which every report shows).
      const error = d.findKind(step.uses)?.sealsHost ? { ...failure, message: withSealSummary(failure.message, sealSummary(d.plan, journal, d.findKind)) } : failure;
      journal.update(step.key, { status: 'failed', error, endedAt: at() });
      d.failures.push({
        host: step.host,
        step: step.id,
        message: error.message,
        code: error.code,
        ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}),
        ...(error.command !== undefined ? { command: error.command } : {}),
      });
      bus.emit({ type: 'step.failed', ...stepRef(step), attempt, durationMs, error });
    },
    hostStarted: (phase, host) => announce.host(phase.name, host.name),
    hostSucceeded: (phase, host, durationMs) => bus.emit({ type: 'host.succeeded', phase: phase.name, host: host.name, durationMs }),
    hostFailed: (phase, host, durationMs, error) => bus.emit({ type: 'host.failed', phase: phase.name, host: host.name, durationMs, error }),
    hostSkipped: (phase, host, reason) => bus.emit({ type: 'host.skipped', phase: phase.name, host: host.name, reason }),
    phaseStarted: (phase) => announce.phase(phase.name),
    phaseSucceeded: (phase, durationMs) => {
      journal.sync();
      bus.emit({ type: 'phase.succeeded', phase: phase.name, durationMs });
    },
    phaseFailed: (phase, durationMs) => {
      journal.sync();
      bus.emit({ type: 'phase.failed', phase: phase.name, durationMs });
    },
    phaseSkipped: (phase, reason) => bus.emit({ type: 'phase.skipped', phase: phase.name, reason }),
  };
}
