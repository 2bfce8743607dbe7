// The effectful side of a run: the preflight first (facts and checks, nothing changed when one
// fails), then assembles RunEffects from the step actions (checks and attempts on hosts) and the
// step records (journal and events), drives the run machine, and turns Ctrl-C into a clean,
// resumable stop.
import { createActor } from 'xstate';
import type { EventBus } from '../events/bus.js';
import type { FailureInfo } from '../events/types.js';
import { PlayError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import type { Inventory, Playbook } from '../model.js';
import type { Plan } from '../plan/types.js';
import type { Masker } from '../secrets/masker.js';
import type { SecretSource } from '../secrets/store.js';
import type { StepKind } from '../step-kind.js';
import type { TransportPool } from '../transport/pool.js';
import { sleep } from '../util/sleep.js';
import { Announcer } from './announcer.js';
import { describeError } from './describe-error.js';
import type { RunEffects } from './effects.js';
import { InFlight } from './in-flight.js';
import { preflightFirst } from './preflight-first.js';
import { createRunMachine } from './run-machine.js';
import { createSealLedger } from './seal-ledger.js';
import { createStepActions } from './step-actions.js';
import { StepOutputs } from './step-outputs.js';
import { createStepRecords } from './step-records.js';

export { describeError } from './describe-error.js';

export interface RunnerOptions {
  plan: Plan;
  playbook: Playbook;
  inventory: Inventory;
  secrets: SecretSource;
  masker: Masker;
  journal: Journal;
  seals: SealRegistry;
  bus: EventBus;
  pool: TransportPool;
  keepSsh: boolean;
  /** The cluster's admin kubeconfig on the controller (see StepContext.kubeconfigFile). */
  kubeconfigFile: string;
  signal: AbortSignal;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  now?: () => number;
  /** Preflight checks the admin chose to skip (`ID` or `HOST/ID`). */
  skipChecks?: readonly string[];
}

export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

/** How long running commands get to die after Ctrl-C before the journal is closed. */
const INTERRUPT_GRACE_MS = 5000;

export async function executePlan(o: RunnerOptions): Promise<RunOutcome> {
  const now = o.now ?? Date.now;
  const startedAt = now();
  const failures: FailureInfo[] = [];

  // Before the first change: facts from every host with work left, and every declared check.
  let pre: Awaited<ReturnType<typeof preflightFirst>>;
  try {
    pre = await preflightFirst({ ...o, now });
  } catch (err) {
    // The facts could not be journaled (a full disk): the run stops here, resumable.
    if (err instanceof PlayError && err.code === 'E_IO') {
      return endRun(o, 'failed', now() - startedAt, [{ host: '-', step: 'preflight', message: err.message, code: err.code }]);
    }
    if (!o.signal.aborted) throw err;
    return endRun(o, 'interrupted', now() - startedAt, []);
  }
  if (o.signal.aborted) return endRun(o, 'interrupted', now() - startedAt, []);
  if (!pre.ok) {
    const found = pre.failed.map((r) => ({ host: r.host, step: `preflight/${r.check}`, message: `${r.reason ?? 'failed'} (fix: ${r.fix ?? '?'})`, code: 'E_PREFLIGHT' }));
    return endRun(o, 'failed', now() - startedAt, found);
  }
  // The run's inventory has the defaults the facts gave (an internal address, say).
  const inventory = pre.inventory;
  const factsOf = (hostName: string) => pre.facts.get(hostName);

  const inFlight = new InFlight();
  const outputs = new StepOutputs(o.journal, o.masker);
  const announce = new Announcer(o.plan, o.bus);
  const effects: RunEffects = {
    ...createStepActions({
      plan: o.plan,
      playbook: o.playbook,
      inventory,
      secrets: o.secrets,
      journal: o.journal,
      outputs,
      inFlight,
      context: {
        inventory,
        pool: o.pool,
        bus: o.bus,
        masker: o.masker,
        keepSsh: o.keepSsh,
        kubeconfigFile: o.kubeconfigFile,
        factsOf,
        sealLedger: (host) => createSealLedger(host, o.journal, o.seals, o.bus.runId, now),
      },
      findKind: o.findKind,
      seals: o.seals,
    }),
    ...createStepRecords({ ...o, outputs, announce, now, failures }),
    sleepUntil: (until, signal) => inFlight.track(sleep(until - now(), signal)),
    now,
    // Masked here, not only on the bus: errors are also kept in the journal, which `status` prints.
    describeError: (error) => o.masker.maskDeep(describeError(error)),
  };

  const actor = createActor(createRunMachine(effects), { input: { plan: o.plan } });
  // The state cannot be written (a full disk): stop like an interruption, then fail the run.
  let journalFailure: { error: PlayError; stepKey: string | undefined } | undefined;
  const outcome = await runToEnd(actor, o.signal, (resolve) =>
    o.journal.onFailure((error, stepKey) => {
      journalFailure = { error, stepKey };
      resolve('failed');
    }),
  );
  if (outcome === 'interrupted' || journalFailure) {
    // Stopping the actor aborts every invoked promise's signal: running commands are killed.
    actor.stop();
    await inFlight.settle(INTERRUPT_GRACE_MS);
    announce.reportNotReached();
  }
  if (journalFailure) {
    const rec = journalFailure.stepKey ? o.journal.state.steps[journalFailure.stepKey] : undefined;
    failures.push({ host: rec?.host ?? '-', step: rec?.step ?? '-', message: journalFailure.error.message, code: journalFailure.error.code });
    o.bus.emit({ type: 'log', level: 'error', message: journalFailure.error.message });
  }
  return endRun(o, outcome, now() - startedAt, failures);
}

function endRun(o: RunnerOptions, outcome: RunOutcome, durationMs: number, failures: FailureInfo[]): RunOutcome {
  o.journal.finish(outcome);
  if (outcome === 'succeeded') o.bus.emit({ type: 'run.succeeded', durationMs });
  else if (outcome === 'failed') o.bus.emit({ type: 'run.failed', durationMs, failures });
  else o.bus.emit({ type: 'run.interrupted', durationMs, stateFile: o.journal.file });
  return outcome;
}

/** Starts the run machine and waits for it to finish, fail, or be interrupted by the signal;
 * `stopWith` may end the wait early (a journal that can no longer be written). */
function runToEnd(
  actor: ReturnType<typeof createActor<ReturnType<typeof createRunMachine>>>,
  signal: AbortSignal,
  stopWith: (resolve: (outcome: RunOutcome) => void) => void,
): Promise<RunOutcome> {
  return new Promise<RunOutcome>((resolve, reject) => {
    const onAbort = () => resolve('interrupted');
    if (signal.aborted) return resolve('interrupted');
    signal.addEventListener('abort', onAbort, { once: true });
    stopWith((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
    actor.subscribe({
      complete: () => {
        signal.removeEventListener('abort', onAbort);
        resolve(actor.getSnapshot().output?.failed ? 'failed' : 'succeeded');
      },
      error: (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    });
    actor.start();
  });
}
