// Sealing bookkeeping for the runner: the ledger a sealing step kind uses (the seal command is
// written ahead in the journal before it is sent; a refusing port proves a seal only for hosts
// it was sent to), what must have succeeded before any host is sealed, and — when a seal fails
// — exactly which hosts are sealed and which are not, and how to finish.
import { PlayError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import type { SealRecord, StepRecord } from '../journal/types.js';
import type { Host } from '../model.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { SealLedger, StepKind } from '../step-kind.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FindKind = (kind: string) => StepKind<any> | undefined;

export function createSealLedger(host: Host, journal: Journal, seals: SealRegistry, runId: string, now: () => number): SealLedger {
  const here = (r: SealRecord | undefined) => (r && r.address === host.address && r.port === host.port ? { runId: r.runId, at: r.at } : undefined);
  return {
    recordCommandSent() {
      journal.recordSealSent({ host: host.name, address: host.address, port: host.port, runId, at: new Date(now()).toISOString() });
    },
    commandSent() {
      return here(journal.state.sealSent[host.name]) ?? here(journal.state.sealed[host.name]) ?? here(seals.find(host));
    },
  };
}

/** Throws unless every step of a `beforeSeal` kind (the kubeconfig fetch) has succeeded. */
export function assertSealPrerequisites(step: PlannedStep, plan: Plan, journal: Journal, findKind: FindKind): void {
  const missing = plan.phases
    .flatMap((p) => p.hosts.flatMap((h) => h.steps))
    .filter((s) => findKind(s.uses)?.beforeSeal && !succeeded(journal.state.steps[s.key]));
  if (missing.length === 0) return;
  throw new PlayError(
    `not sealing ${step.host}: ${missing.map((s) => `${s.phase}/${s.host}/${s.id}`).join(', ')} has not succeeded — ` +
      'SSH stays on until the admin holds the way in that step provides. SSH left on.',
    { code: 'E_STEP', host: step.host },
  );
}

/** Done, or found in place by its check: a step skipped by `when:` gave the admin nothing. */
function succeeded(rec: StepRecord | undefined): boolean {
  return rec?.status === 'succeeded' || (rec?.status === 'skipped' && (rec.skipReason === 'check' || rec.skipReason === 'creates'));
}

/** "Sealed: …; not sealed: …; how to finish", over every host the plan seals. */
export function sealSummary(plan: Plan, journal: Journal, findKind: FindKind): string {
  const hosts: string[] = [];
  for (const phase of plan.phases) {
    for (const h of phase.hosts) if (h.steps.some((s) => findKind(s.uses)?.sealsHost) && !hosts.includes(h.name)) hosts.push(h.name);
  }
  const sealed = hosts.filter((h) => journal.state.sealed[h]);
  const open = hosts.filter((h) => !journal.state.sealed[h]);
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  return (
    `Sealed (SSH off): ${list(sealed)}. Not sealed (SSH still on): ${list(open)}. ` +
    'The remaining hosts were not touched: fix the cause and run the same command again to seal them ' +
    '(or pass --keep-ssh to leave SSH on where it still is).'
  );
}

/** The summary after the message's first line (the one every report shows), the rest after it. */
export function withSealSummary(message: string, summary: string): string {
  const nl = message.indexOf('\n');
  return nl < 0 ? `${message} ${summary}` : `${message.slice(0, nl)} ${summary}${message.slice(nl)}`;
}
