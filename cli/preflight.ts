// `podsec-play preflight`: gather the facts of every host that still has work in the plan, run
// every check the playbook's steps declare, print one table (or JSON) and change nothing: no
// host is written to, and neither is the state (it is only read, to skip finished steps).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT } from '../engine/errors.js';
import { wantColor, makePaint } from '../engine/report/ansi.js';
import { readJournal } from '../engine/journal/journal.js';
import { SealRegistry } from '../engine/journal/seal-registry.js';
import type { JournalState } from '../engine/journal/types.js';
import { sealedLeftOut } from '../engine/plan/sealed-refusals.js';
import { runPreflight, EMPTY_JOURNAL } from '../engine/preflight/stage.js';
import { unfinishedSteps } from '../engine/preflight/evaluate.js';
import { formatPreflightJson, formatPreflightTable } from '../engine/report/preflight-table.js';
import { journalView } from '../engine/run/preflight-first.js';
import { Masker } from '../engine/secrets/masker.js';
import { openSsh } from '../engine/transport/open-ssh.js';
import { TransportPool } from '../engine/transport/pool.js';
import { findStepKind, stepKinds } from '../steps/index.js';
import { loadAndPlan } from './load-for-cli.js';
import { defaultStateFile } from './paths.js';
import { checkSkips } from './skip-checks.js';

export interface PreflightOptions {
  playbookFile: string;
  inventoryFile: string;
  stateFile?: string;
  json: boolean;
  color: boolean;
  acceptNewHostKeys: boolean;
  skipChecks?: readonly string[];
}

export async function preflight(o: PreflightOptions): Promise<number> {
  const masker = new Masker();
  const planned = loadAndPlan(o.playbookFile, o.inventoryFile, masker);
  const skip = checkSkips(o.skipChecks ?? [], stepKinds, planned.inventory);
  const stateFile = o.stateFile ?? defaultStateFile(o.playbookFile, o.inventoryFile);
  const state = readState(stateFile, planned.plan.hash);
  for (const rec of Object.values(state?.steps ?? {})) for (const name of rec.secretOutputs ?? []) masker.add(rec.outputs?.[name]);

  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  const seals = SealRegistry.forRun(stateFile, o.inventoryFile);
  const pool = new TransportPool(
    {
      inventory: planned.inventory,
      secrets: planned.secrets,
      seals,
      acceptNewHostKeys: o.acceptNewHostKeys,
      signal: controller.signal,
      openSsh,
    },
    dirname(o.inventoryFile),
  );
  const started = Date.now();
  try {
    const journal = state ? journalView({ state }) : EMPTY_JOURNAL;
    const outcome = await runPreflight({
      plan: planned.plan,
      playbook: planned.playbook,
      inventory: planned.inventory,
      findKind: findStepKind,
      journal,
      transportFor: (host) => pool.get(host),
      secrets: planned.secrets,
      signal: controller.signal,
      skip,
      leftOut: sealedLeftOut(planned.plan, planned.inventory, (h) => seals.find(h)),
    });
    if (controller.signal.aborted) return EXIT.interrupted;
    const todo = unfinishedSteps(planned.plan, journal.isFinished).filter((s) => findStepKind(s.uses)?.sealsHost !== true);
    const report = masker.maskDeep({
      playbook: planned.plan.playbook,
      playbookFile: planned.plan.playbookFile,
      inventoryFile: planned.plan.inventoryFile,
      durationMs: Date.now() - started,
      results: outcome.results,
      facts: Object.fromEntries([...outcome.gathered].flatMap(([h, r]) => (r.ok ? [[h, r.facts]] : []))),
      done: planned.plan.hosts.map((h) => h.name).filter((h) => planned.plan.phases.some((p) => p.hosts.some((x) => x.name === h)) && !todo.some((s) => s.host === h)),
    });
    const paint = makePaint(wantColor(o.color ? true : undefined, (process.stdout as { isTTY?: boolean }).isTTY === true));
    process.stdout.write(o.json ? formatPreflightJson(report) : formatPreflightTable(report, paint));
    return outcome.ok ? EXIT.ok : EXIT.stepFailed;
  } catch (err) {
    if (controller.signal.aborted) return EXIT.interrupted;
    throw err;
  } finally {
    await pool.closeAll();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  }
}

/** The state of earlier runs of this playbook and inventory, when it matches the plan (a
 * changed playbook: the run would start over, so nothing counts as finished). */
function readState(file: string, planHash: string): JournalState | undefined {
  if (!existsSync(file)) return undefined;
  const state = readJournal(file);
  if (state.planHash !== planHash) {
    process.stderr.write(`podsec-play: ${file} was written for another plan: every step is checked as if none had run\n`);
    return undefined;
  }
  return state;
}
