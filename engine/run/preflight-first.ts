// What `run` does before its first phase: the preflight (facts from every host with work left,
// every check the unfinished steps declare), the facts recorded in the journal, one
// `preflight.finished` event. The runner starts the phases only when every check passed.
import type { EventBus } from '../events/bus.js';
import { summarizeFacts } from '../facts/summary.js';
import type { HostFacts } from '../facts/types.js';
import { isFinished, type Journal } from '../journal/journal.js';
import type { Inventory, Playbook } from '../model.js';
import { sealedLeftOut } from '../plan/sealed-refusals.js';
import type { Plan } from '../plan/types.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import { runPreflight, type JournalView } from '../preflight/stage.js';
import type { CheckResult } from '../preflight/types.js';
import type { SecretSource } from '../secrets/store.js';
import type { StepKind } from '../step-kind.js';
import type { TransportPool } from '../transport/pool.js';

export interface PreflightFirstOptions {
  plan: Plan;
  playbook: Playbook;
  inventory: Inventory;
  secrets: SecretSource;
  journal: Journal;
  bus: EventBus;
  pool: TransportPool;
  signal: AbortSignal;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  now: () => number;
  /** --skip-check: `ID` or `HOST/ID`. */
  skipChecks?: readonly string[];
  /** The seals of earlier runs (hosts a skipSealed phase leaves out are not asked). */
  seals: SealRegistry;
}

export interface PreflightFirstResult {
  ok: boolean;
  inventory: Inventory;
  facts: Map<string, HostFacts>;
  failed: CheckResult[];
}

export function journalView(journal: { state: Journal['state'] }): JournalView {
  const steps = journal.state.steps;
  const byHostStep = new Map<string, string>();
  for (const rec of Object.values(steps)) byHostStep.set(`${rec.host}\u0000${rec.step}`, rec.key);
  return {
    isFinished: (key) => isFinished(steps[key]),
    isAttempted: (key) => (steps[key]?.attempts ?? 0) > 0 || steps[key]?.status === 'retrying',
    outputsOf: (host, step) => {
      const rec = steps[byHostStep.get(`${host}\u0000${step}`) ?? ''];
      return rec && isFinished(rec) ? (rec.outputs ?? {}) : undefined;
    },
    facts: journal.state.facts ?? {},
  };
}

export async function preflightFirst(o: PreflightFirstOptions): Promise<PreflightFirstResult> {
  const started = o.now();
  const outcome = await runPreflight({
    plan: o.plan,
    playbook: o.playbook,
    inventory: o.inventory,
    findKind: o.findKind,
    journal: journalView(o.journal),
    transportFor: (host) => o.pool.get(host),
    secrets: o.secrets,
    signal: o.signal,
    now: o.now,
    ...(o.skipChecks ? { skip: o.skipChecks } : {}),
    leftOut: sealedLeftOut(o.plan, o.inventory, (h) => o.seals.find(h)),
  });
  for (const [host, r] of outcome.gathered) {
    if (!r.ok) continue;
    o.journal.recordFacts(host, r.facts);
    o.bus.emit({ type: 'log', level: 'info', message: `facts: ${summarizeFacts(r.facts)}`, host });
  }
  for (const d of outcome.defaults) {
    o.bus.emit({ type: 'log', level: 'info', message: `internal address ${d.to} (the inventory's ${d.from} is not on the host): ${d.why}`, host: d.host });
  }
  const failed = outcome.results.filter((r) => r.status === 'failed');
  o.bus.emit({
    type: 'preflight.finished',
    durationMs: o.now() - started,
    ok: outcome.ok,
    hosts: outcome.gathered.size,
    results: outcome.results,
  });
  return { ok: outcome.ok, inventory: outcome.inventory, facts: outcome.facts, failed };
}
