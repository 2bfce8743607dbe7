// The pure planner: playbook × inventory → ordered plan (phase → host → step) with a stable
// hash of everything that affects it. No I/O; same inputs, same plan.
import { renderForDisplay } from '../expr/render.js';
import type { ExprScope } from '../expr/resolve.js';
import type { Host, Inventory, Playbook } from '../model.js';
import { ENGINE_VERSION } from '../version.js';
import { sha256, stableStringify } from './hash.js';
import { selectHosts } from './select-hosts.js';
import type { Plan, PlannedPhase, PlannedStep } from './types.js';

export interface PlanKinds {
  /** Default title of a step of this kind, given its `with:` rendered for display (renderForDisplay). */
  titleOf(uses: string, withValue: Record<string, unknown>): string | undefined;
  /** Where a host goes in the order hosts are sealed (lower first), when the kind seals hosts;
   * undefined for a kind that does not. */
  sealOrder?(uses: string, host: Host): number | undefined;
}

/** What is known before anything runs: vars, the cluster, the hosts; no outputs, no secret
 * values, no facts (they are gathered when the run starts). */
function displayScope(playbook: Playbook, inventory: Inventory, host: Host): ExprScope {
  return { vars: playbook.vars, cluster: inventory.cluster, host, hosts: inventory.hosts, outputsOf: () => undefined, secret: () => undefined, factsOf: () => undefined };
}

export function planRun(playbook: Playbook, inventory: Inventory, kinds: PlanKinds): Plan {
  const phases: PlannedPhase[] = playbook.phases.map((phase) => {
    let hosts = selectHosts(phase.hosts, inventory.hosts);
    // A phase that seals runs one host at a time in the kind's order (the hosts the cluster's
    // health is checked on last), so that a failed seal stops the next one from starting.
    const seals = hosts.length > 0 && phase.steps.some((s) => kinds.sealOrder?.(s.uses, hosts[0]!) !== undefined);
    if (seals) hosts = orderForSealing(hosts, phase.steps.map((s) => s.uses), kinds);
    const serial = phase.serial || seals;
    return {
      name: phase.name,
      serial,
      skipSealed: phase.skipSealed,
      concurrency: serial ? 1 : Math.max(1, Math.min(phase.concurrency ?? hosts.length, hosts.length || 1)),
      hosts: hosts.map((host) => ({
        name: host.name,
        steps: phase.steps.map((step): PlannedStep => {
          const scope = displayScope(playbook, inventory, host);
          const shown = renderForDisplay(step.with, scope) as Record<string, unknown>;
          return {
            key: `${phase.name}/${host.name}/${step.id}`,
            phase: phase.name,
            host: host.name,
            id: step.id,
            uses: step.uses,
            title: step.name !== undefined ? String(renderForDisplay(step.name, scope)) : (kinds.titleOf(step.uses, shown) ?? step.id),
            with: step.with,
            retry: step.retry,
            timeoutMs: step.timeoutMs,
            when: step.when,
            at: step.at,
          };
        }),
      })),
    };
  });
  const hash = sha256(stableStringify({ engine: ENGINE_VERSION, playbook: hashablePlaybook(playbook), inventory: hashableInventory(inventory) }));
  return {
    playbook: playbook.name,
    playbookFile: playbook.file,
    inventoryFile: inventory.file,
    hash,
    engineVersion: ENGINE_VERSION,
    hosts: inventory.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      roles: h.roles,
      transport: h.transport,
    })),
    phases,
  };
}

/** Stable sort by the highest seal rank any of the phase's sealing steps gives the host. */
function orderForSealing(hosts: Host[], uses: string[], kinds: PlanKinds): Host[] {
  const rank = (h: Host) => Math.max(0, ...uses.map((u) => kinds.sealOrder?.(u, h) ?? 0));
  return hosts
    .map((h, i) => ({ h, i, r: rank(h) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.h);
}

// Source positions do not change what runs: moving a step down a line keeps the hash.
function hashablePlaybook(playbook: Playbook): unknown {
  return {
    name: playbook.name,
    vars: playbook.vars,
    // skipSealed only when set: plans made before the field existed keep their hash
    phases: playbook.phases.map(({ at: _at, steps, skipSealed, ...phase }) => ({ ...phase, ...(skipSealed ? { skipSealed } : {}), steps: steps.map(({ at: _s, ...s }) => s) })),
  };
}

// Secret values are left out (rotating a password must not invalidate a half-done run);
// their names stay in, since steps refer to them.
function hashableInventory(inventory: Inventory): unknown {
  return {
    cluster: inventory.cluster,
    ssh: inventory.ssh,
    secretNames: Object.keys(inventory.secrets ?? {}).sort(),
    hosts: inventory.hosts.map((h: Host) => h),
  };
}
