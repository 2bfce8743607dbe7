// The preflight, as `podsec-play preflight` and the start of every `run` do it: gather the
// facts of every host that still has work in this plan (all at once, one round trip each),
// take defaults from them, then evaluate every check the plan's unfinished steps declare.
// Nothing here changes a host.
import { applyFactDefaults, type DefaultedAddress } from '../facts/defaults.js';
import { gatherFacts, type GatherResult } from '../facts/gather.js';
import { summarizeFacts } from '../facts/summary.js';
import type { FactsRequest, HostFacts } from '../facts/types.js';
import type { Host, Inventory, Playbook } from '../model.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { SecretSource } from '../secrets/store.js';
import type { StepKind } from '../step-kind.js';
import type { Transport } from '../transport/types.js';
import { evaluateChecks, unfinishedSteps } from './evaluate.js';
import { REACHABLE, type CheckResult } from './types.js';

export interface PreflightInput {
  plan: Plan;
  playbook: Playbook;
  inventory: Inventory;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  /** What the journal knows (an empty view for a fresh state). */
  journal: JournalView;
  transportFor(host: string): Transport;
  secrets: SecretSource;
  signal: AbortSignal;
  now?: () => number;
  /** Checks the admin chose to skip: `ID` on every host, or `HOST/ID`. */
  skip?: readonly string[];
  /** Steps the run leaves alone (a sealed host in a phase that leaves sealed hosts out). */
  leftOut?(step: PlannedStep): unknown;
}

export interface JournalView {
  isFinished(stepKey: string): boolean;
  isAttempted(stepKey: string): boolean;
  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined;
  /** Facts recorded by earlier runs. */
  facts: Readonly<Record<string, HostFacts>>;
}

export interface PreflightOutcome {
  /** The run's inventory: facts-derived defaults applied. */
  inventory: Inventory;
  /** Every host's known facts: gathered now, else recorded earlier. */
  facts: Map<string, HostFacts>;
  /** This run's gathering, per host that takes part. */
  gathered: Map<string, GatherResult>;
  defaults: DefaultedAddress[];
  results: CheckResult[];
  ok: boolean;
}

export const EMPTY_JOURNAL: JournalView = { isFinished: () => false, isAttempted: () => false, outputsOf: () => undefined, facts: {} };

export async function runPreflight(input: PreflightInput): Promise<PreflightOutcome> {
  const todo = unfinishedSteps(input.plan, input.journal.isFinished).filter((s) => !input.leftOut?.(s));
  // A host whose only work left is its seal is not asked: the seal step proves from the
  // controller whether SSH is off already (an interrupted seal), and needs no facts. Nor is one
  // whose steps speak only to the Kubernetes API, or cope with it being sealed (sshUse).
  const needsHost = (s: PlannedStep) => {
    const kind = input.findKind(s.uses);
    if (kind?.sealsHost === true) return false;
    let use: string | undefined;
    try {
      use = kind?.sshUse?.(s.with);
    } catch {
      use = undefined;
    }
    return use === undefined || use === 'required';
  };
  const taking = input.inventory.hosts.filter((h) => todo.some((s) => s.host === h.name && needsHost(s)));
  const gathered = await gatherFacts({
    hosts: taking,
    transportFor: input.transportFor,
    request: (host) => requestFor(input, host, todo.filter((s) => s.host === host.name).map((s) => s.uses)),
    signal: input.signal,
    ...(input.now ? { now: input.now } : {}),
  });
  const facts = new Map<string, HostFacts>(Object.entries(input.journal.facts));
  for (const [name, r] of gathered) if (r.ok) facts.set(name, r.facts);
  const { inventory, changed } = applyFactDefaults(input.inventory, facts);

  const reachable: CheckResult[] = taking.map((h) => reachableResult(h, gathered.get(h.name)!));
  const checks = await evaluateChecks({
    plan: input.plan,
    playbook: input.playbook,
    inventory,
    findKind: input.findKind,
    isFinished: input.journal.isFinished,
    isAttempted: input.journal.isAttempted,
    facts,
    checkable: (host) => gathered.get(host)?.ok === true,
    outputsOf: input.journal.outputsOf,
    secret: (name) => input.secrets.get(name),
    probe: (host, command, timeoutMs) => {
      const h = inventory.hosts.find((x) => x.name === host);
      return input.transportFor(host).exec(command, { ...(h?.sudo ? { sudo: true } : {}), signal: input.signal, timeoutMs });
    },
    signal: input.signal,
  });
  // Each host's rows together: reachable first, then its checks.
  const results = inventory.hosts
    .flatMap((h) => [...reachable.filter((r) => r.host === h.name), ...checks.filter((r) => r.host === h.name)])
    .map((r) => (skipped(input.skip, r) ? skip(r) : r));
  return { inventory, facts, gathered, defaults: changed, results, ok: results.every((r) => r.status !== 'failed') };
}

function skipped(skip: readonly string[] | undefined, r: CheckResult): boolean {
  return r.check !== REACHABLE && (skip ?? []).some((s) => s === r.check || s === `${r.host}/${r.check}`);
}

/** A check the admin skipped: what it found is kept, for the record. */
function skip(r: CheckResult): CheckResult {
  const said = r.status === 'failed' ? `it said: ${r.reason}` : r.detail ? `it said: ${r.detail}` : 'it passed';
  return { host: r.host, check: r.check, title: r.title, status: 'skipped', detail: `skipped (--skip-check); ${said}`, steps: r.steps };
}

function requestFor(input: PreflightInput, host: Host, kinds: string[]): FactsRequest {
  const paths = new Set<string>();
  let apt = false;
  for (const name of new Set(kinds)) {
    for (const check of input.findKind(name)?.preflight ?? []) {
      for (const p of check.needs?.paths ?? []) paths.add(p);
      if (check.needs?.apt) apt = true;
    }
  }
  return { internalAddress: host.internalAddress, apt, paths: [...paths].sort() };
}

const FIXES: Record<string, string> = {
  E_CONNECT: 'check that the host is up and that its inventory address and port reach its SSH server',
  E_AUTH: "check the inventory's user and ssh settings (identityFile, agent, passwordSecret) for this host",
  E_HOSTKEY: 'compare the host key with the host itself; trust a new host once with --accept-new-host-keys (a changed key is never accepted)',
  E_SEALED: 'this host is reachable only through the Kubernetes API now: leave it out of SSH playbooks',
  E_TIMEOUT: 'run the facts script by hand on the host (podsec-play preflight --show-script) and see where it waits',
};

function reachableResult(host: Host, r: GatherResult): CheckResult {
  const base = { host: host.name, check: REACHABLE, title: 'reachable, facts gathered', steps: [] };
  if (r.ok) return { ...base, status: 'ok', detail: summarizeFacts(r.facts) };
  return {
    ...base,
    status: 'failed',
    reason: r.message,
    fix: FIXES[r.code] ?? 'run the facts script by hand on the host (podsec-play preflight --show-script) and see what fails',
  };
}
