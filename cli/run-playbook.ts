// Runs one playbook against one inventory: journal, transports, reporters, signals. Shared by
// `run` and `demo`.
import { setMaxListeners } from 'node:events';
import { dirname } from 'node:path';
import { EXIT, PlayError } from '../engine/errors.js';
import { EventBus } from '../engine/events/bus.js';
import type { EventListener } from '../engine/events/types.js';
import { Journal } from '../engine/journal/journal.js';
import { SealRegistry } from '../engine/journal/seal-registry.js';
import { createReporters, type ReporterMode } from '../engine/report/index.js';
import { executePlan } from '../engine/run/runner.js';
import { Masker } from '../engine/secrets/masker.js';
import { openSsh } from '../engine/transport/open-ssh.js';
import { TransportPool } from '../engine/transport/pool.js';
import { describeRefusals, sealedRefusals } from '../engine/plan/sealed-refusals.js';
import { findStepKind, stepKinds } from '../steps/index.js';
import { kubeconfigPathFor, sealedHint } from './kubeconfig-path.js';
import { loadAndPlan } from './load-for-cli.js';
import { checkSkips } from './skip-checks.js';
import { defaultLogFile, defaultStateFile, newRunId } from './paths.js';
import { finishedStepsOf } from './finished-steps.js';

export interface RunPlaybookOptions {
  playbookFile: string;
  inventoryFile: string;
  stateFile?: string;
  logFile?: string;
  junitFile?: string;
  /** `--junit -`: the report goes to stdout when the run ends (only with --quiet). */
  junitStdout?: boolean;
  fresh: boolean;
  mode: ReporterMode;
  color: boolean;
  acceptNewHostKeys: boolean;
  keepSsh: boolean;
  /** --kubeconfig: where the cluster's admin kubeconfig is (default: see kubeconfig-path.ts). */
  kubeconfigFile?: string;
  /** --skip-check: preflight checks that may not stop the run (`ID` or `HOST/ID`). */
  skipChecks?: readonly string[];
  /** Extra listener on the event stream (the demo's summary). */
  onEvent?: EventListener;
}

/** File-system failures while setting up (a --state or --log-file that cannot be written) are
 * usage problems (exit 2) with the path named, not a raw errno. */
function usable<T>(what: string, file: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (err instanceof PlayError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new PlayError(`cannot use ${file} as the ${what}: ${e.code ?? e.message}`, { code: 'E_STATE' });
  }
}

export async function runPlaybook(o: RunPlaybookOptions): Promise<number> {
  const masker = new Masker();
  const planned = loadAndPlan(o.playbookFile, o.inventoryFile, masker);
  const skipChecks = checkSkips(o.skipChecks ?? [], stepKinds, planned.inventory);
  const runId = newRunId();
  const stateFile = o.stateFile ?? defaultStateFile(o.playbookFile, o.inventoryFile);
  const logFile = o.logFile ?? defaultLogFile(o.playbookFile, o.inventoryFile, runId);
  const kubeconfigFile = kubeconfigPathFor(planned.inventory, o.kubeconfigFile);
  const hint = sealedHint(o.inventoryFile);
  const seals = SealRegistry.forRun(stateFile, o.inventoryFile);

  // A step that needs SSH on a sealed host: refused before anything starts (exit 2).
  const refusals = sealedRefusals({
    plan: planned.plan,
    inventory: planned.inventory,
    sealOf: (h) => seals.find(h),
    findKind: findStepKind,
    finished: finishedStepsOf(stateFile, planned.plan, o.fresh),
    hint,
  });
  if (refusals.length > 0) throw new PlayError(describeRefusals(refusals), { code: 'E_SEALED' });

  // Reporters first: a log file that cannot be opened must fail before the journal records a run.
  const reporter = usable('log file', logFile, () =>
    createReporters({
      mode: o.mode,
      ...(o.color ? { color: true } : {}),
      ...(o.junitFile ? { junitFile: o.junitFile } : {}),
      ...(o.junitStdout ? { junitStdout: true } : {}),
      logFile,
    }),
  );
  let journal: Journal;
  try {
    journal = usable('state file', stateFile, () => Journal.open({ file: stateFile, plan: planned.plan, runId, fresh: o.fresh }));
  } catch (err) {
    await reporter.close(); // locked or unusable: nothing ran, leave the terminal as it was
    throw err;
  }
  const bus = new EventBus(runId, masker);
  bus.subscribe((e) => reporter.onEvent(e));
  if (o.onEvent) bus.subscribe(o.onEvent);

  const controller = new AbortController();
  // Every host being connected or asked listens on it: hundreds at once is by design, not a leak.
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      bus.emit({ type: 'log', level: 'warn', message: `${signal}: stopping running commands and saving the state…` });
      controller.abort(new Error(signal));
    } else {
      // Second Ctrl-C: the journal is consistent after every write; leave now.
      bus.flush();
      journal.close();
      process.exit(EXIT.interrupted);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  const pool = new TransportPool(
    {
      inventory: planned.inventory,
      secrets: planned.secrets,
      seals,
      acceptNewHostKeys: o.acceptNewHostKeys,
      signal: controller.signal,
      sealedHint: hint,
      onLog: (host, message) => bus.emit({ type: 'log', level: 'debug', message, host }),
      openSsh,
    },
    dirname(o.inventoryFile),
  );
  try {
    bus.emit({
      type: 'run.started',
      playbook: planned.plan.playbook,
      planHash: planned.plan.hash,
      // Only hosts some phase selects: the others take no part in this run.
      hosts: planned.plan.hosts.map((h) => h.name).filter((name) => planned.plan.phases.some((p) => p.hosts.some((h) => h.name === name))),
      phases: planned.plan.phases.map((p) => ({
        name: p.name,
        hosts: p.hosts.map((h) => h.name),
        steps: p.hosts.reduce((n, h) => n + h.steps.length, 0),
      })),
      resumed: journal.resumed,
      stateFile,
      logFile,
    });
    const outcome = await executePlan({
      plan: planned.plan,
      playbook: planned.playbook,
      inventory: planned.inventory,
      secrets: planned.secrets,
      masker,
      journal,
      seals,
      bus,
      pool,
      keepSsh: o.keepSsh,
      kubeconfigFile,
      signal: controller.signal,
      findKind: findStepKind,
      skipChecks,
    });
    if (outcome === 'failed' && failedSealed(journal)) return EXIT.invalid;
    return outcome === 'succeeded' ? EXIT.ok : outcome === 'failed' ? EXIT.stepFailed : EXIT.interrupted;
  } finally {
    // A run that threw (a bug) still writes the step events it held back.
    bus.flush();
    await pool.closeAll();
    journal.close();
    await reporter.close();
    for (const s of signals) process.off(s, onSignal);
  }
}

/** A step of this run failed because SSH on a sealed host was refused: no re-run can fix that. */
function failedSealed(journal: Journal): boolean {
  return Object.values(journal.state.steps).some((s) => s.status === 'failed' && s.error?.code === 'E_SEALED');
}
