// Evaluates the checks a plan's steps declare, on every host at once: for each step not finished
// yet whose `when:` may hold, each check of its kind on its host, once per host and check id.
// Checks are mostly pure functions of the facts; the few that probe do so read-only.
import { errorMessage } from '../errors.js';
import type { ExprScope } from '../expr/resolve.js';
import type { HostFacts } from '../facts/types.js';
import type { Host, Inventory, Playbook } from '../model.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { PreflightCheck, PreflightContext, PreflightVerdict, StepKind } from '../step-kind.js';
import type { ExecResult } from '../transport/types.js';
import { renderLeniently } from './render-lenient.js';
import type { CheckResult } from './types.js';

export interface EvaluateInput {
  plan: Plan;
  playbook: Playbook;
  /** The run's inventory (facts-derived defaults applied). */
  inventory: Inventory;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  /** From the journal: finished steps are not checked; attempted ones are "resuming". */
  isFinished(stepKey: string): boolean;
  isAttempted(stepKey: string): boolean;
  /** Every host's known facts (gathered now, or recorded by an earlier run). */
  facts: ReadonlyMap<string, HostFacts>;
  /** Hosts whose facts this run has (the others' checks are not evaluated). */
  checkable(host: string): boolean;
  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined;
  secret(name: string): string | undefined;
  probe(host: string, command: string, timeoutMs: number): Promise<ExecResult>;
  signal: AbortSignal;
}

interface Pending {
  host: Host;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  check: PreflightCheck<any>;
  w: Record<string, unknown>;
  steps: string[];
  resuming: boolean;
}

/** The steps not finished yet, in plan order. */
export function unfinishedSteps(plan: Plan, isFinished: (key: string) => boolean): PlannedStep[] {
  return plan.phases.flatMap((p) => p.hosts.flatMap((h) => h.steps)).filter((s) => !isFinished(s.key));
}

export async function evaluateChecks(input: EvaluateInput): Promise<CheckResult[]> {
  const pending = collect(input);
  const results = await Promise.all(pending.map((p) => evaluateOne(input, p)));
  return results;
}

function collect(input: EvaluateInput): Pending[] {
  const byHost = new Map<string, Map<string, Pending>>();
  for (const step of unfinishedSteps(input.plan, input.isFinished)) {
    if (!input.checkable(step.host)) continue;
    const kind = input.findKind(step.uses);
    if (!kind?.preflight?.length) continue;
    const host = input.inventory.hosts.find((h) => h.name === step.host);
    if (!host) continue;
    const r = renderLeniently(step, kind.shellFields ?? [], scopeFor(input, host));
    if (!r.run) continue;
    const mine = byHost.get(host.name) ?? new Map<string, Pending>();
    byHost.set(host.name, mine);
    for (const check of kind.preflight) {
      const label = `${step.phase}/${step.id}`;
      const seen = mine.get(check.id);
      if (seen) {
        if (!seen.steps.includes(label)) seen.steps.push(label);
        continue;
      }
      mine.set(check.id, { host, check, w: r.with, steps: [label], resuming: input.isAttempted(step.key) });
    }
  }
  // Inventory order of hosts, declaration order of checks.
  return input.inventory.hosts.flatMap((h) => [...(byHost.get(h.name)?.values() ?? [])]);
}

async function evaluateOne(input: EvaluateInput, p: Pending): Promise<CheckResult> {
  const base = { host: p.host.name, check: p.check.id, steps: p.steps };
  let title = p.check.id;
  try {
    title = p.check.title(p.w);
  } catch {
    // a title that needs a field the preflight cannot know: the id says enough
  }
  let verdict: PreflightVerdict;
  try {
    verdict = await p.check.evaluate(contextFor(input, p), p.w);
  } catch (err) {
    verdict = { ok: false, reason: `the check could not be evaluated: ${errorMessage(err)}`, fix: 'report this as a bug of podsec-play, with the check and the host' };
  }
  return verdict.ok
    ? { ...base, title, status: 'ok', ...(verdict.detail ? { detail: verdict.detail } : {}) }
    : { ...base, title, status: 'failed', reason: verdict.reason, fix: verdict.fix };
}

function contextFor(input: EvaluateInput, p: Pending): PreflightContext {
  const facts = input.facts.get(p.host.name);
  if (!facts) throw new Error(`no facts for ${p.host.name}`);
  return {
    host: p.host,
    inventory: input.inventory,
    cluster: input.inventory.cluster,
    facts,
    factsOf: (name) => input.facts.get(name),
    hostsWithRole: (role) => input.inventory.hosts.filter((h) => h.roles.includes(role)),
    planned: (kind) =>
      input.plan.phases.flatMap((ph) => ph.hosts.flatMap((h) => h.steps)).filter((s) => s.uses === kind).map((s) => ({ host: s.host, step: s.id, finished: input.isFinished(s.key) })),
    resuming: p.resuming,
    probe: (command, options) => input.probe(options?.host ?? p.host.name, command, options?.timeoutMs ?? 15_000),
    signal: input.signal,
  };
}

function scopeFor(input: EvaluateInput, host: Host): ExprScope {
  return {
    vars: input.playbook.vars,
    cluster: input.inventory.cluster,
    host,
    hosts: input.inventory.hosts,
    outputsOf: (h, s) => input.outputsOf(h, s),
    secret: (name) => input.secret(name),
    factsOf: (name) => input.facts.get(name),
  };
}
