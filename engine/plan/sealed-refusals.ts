// Which planned steps would need SSH on a host an earlier run sealed: decided before the run
// starts (and shown by `plan`), so such a run stops before connecting anywhere, with the host,
// the step and what to do instead — a re-run cannot fix it (exit 2), unlike a failed step.
// Steps finished by an earlier run, steps of phases that leave sealed hosts out, and steps with a
// `when:` (decided only while running) are not refused here; a step that reaches a sealed host
// anyway is refused by the transport pool, before connecting, with the same words.
import type { SealRecord } from '../journal/types.js';
import type { Host, Inventory } from '../model.js';
import type { StepKind } from '../step-kind.js';
import type { Plan } from './types.js';

export interface SealedRefusal {
  /** The planned step (`phase/host/step`). */
  key: string;
  /** The host whose SSH is off: the step's own host or one it reaches (the master). */
  sealedHost: string;
  seal: SealRecord;
  message: string;
}

export interface SealedCheckInputs {
  plan: Plan;
  inventory: Inventory;
  sealOf(host: Host): SealRecord | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind(kind: string): StepKind<any> | undefined;
  /** Steps an earlier run finished (they are skipped, never connect). */
  finished?(key: string): boolean;
  /** What to do instead, said after every refusal (the composition root knows the playbooks). */
  hint?: string;
}

/** `HOST: SSH on ADDRESS:PORT was turned off by run R at T (disable-ssh); …` */
export function sealedMessage(host: Host, seal: SealRecord, hint?: string): string {
  return (
    `SSH on ${host.name} (${host.address}:${host.port}) was turned off by run ${seal.runId} at ${seal.at} (disable-ssh): ` +
    `the host is reached only through the Kubernetes API now, and a re-run cannot change that.${hint ? ` ${hint}` : ''}`
  );
}

export function sealedRefusals(i: SealedCheckInputs): SealedRefusal[] {
  const byName = new Map(i.inventory.hosts.map((h) => [h.name, h]));
  const refusals: SealedRefusal[] = [];
  for (const phase of i.plan.phases) {
    for (const ph of phase.hosts) {
      const host = byName.get(ph.name);
      if (!host) continue;
      const ownSeal = host.transport === 'ssh' ? i.sealOf(host) : undefined;
      if (ownSeal && phase.skipSealed) continue;
      for (const step of ph.steps) {
        if (step.when !== undefined || i.finished?.(step.key)) continue;
        const kind = i.findKind(step.uses);
        if (!kind) continue;
        const needed: string[] = [];
        const use = attempt(() => kind.sshUse?.(step.with), undefined) ?? 'required';
        if (use === 'required') needed.push(host.name);
        for (const peer of attempt(() => kind.sshPeers?.(step.with, { host, inventory: i.inventory }), undefined) ?? []) if (!needed.includes(peer)) needed.push(peer);
        for (const name of needed) {
          const target = byName.get(name);
          const seal = target && target.transport === 'ssh' ? i.sealOf(target) : undefined;
          if (!target || !seal) continue;
          const via = name === host.name ? '' : ` (it reaches ${name} for ${host.name})`;
          refusals.push({
            key: step.key,
            sealedHost: name,
            seal,
            message: `${step.at}: step "${step.id}" (${step.uses}) on ${host.name} needs SSH on ${name}${via}. ${sealedMessage(target, seal, i.hint)}`,
          });
          break;
        }
      }
    }
  }
  return refusals;
}

/** One paragraph per sealed host: its first refused step, and how many more there are. */
export function describeRefusals(refusals: SealedRefusal[]): string {
  const byHost = new Map<string, SealedRefusal[]>();
  for (const r of refusals) byHost.set(r.sealedHost, [...(byHost.get(r.sealedHost) ?? []), r]);
  return [...byHost.values()]
    .map((rs) => {
      const more = rs.length - 1;
      return `${rs[0]!.message}${more > 0 ? ` (${more} more step${more === 1 ? ' needs' : 's need'} SSH on ${rs[0]!.sealedHost})` : ''}`;
    })
    .join('\n');
}

/** A kind's answer, or `fallback` when it cannot tell from the unrendered `with:` (it threw). */
function attempt<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Steps a run leaves alone because their host is sealed and their phase leaves sealed hosts out
 * (skipSealed): the runner skips them without connecting, and the preflight neither gathers
 * facts for them nor checks them.
 */
export function sealedLeftOut(plan: Plan, inventory: Inventory, sealOf: (host: Host) => SealRecord | undefined): (step: { phase: string; host: string }) => SealRecord | undefined {
  const skipping = new Set(plan.phases.filter((p) => p.skipSealed).map((p) => p.name));
  return (step) => {
    if (!skipping.has(step.phase)) return undefined;
    const host = inventory.hosts.find((h) => h.name === step.host);
    return host && host.transport === 'ssh' ? sealOf(host) : undefined;
  };
}
