// A PreflightContext over an inventory and per-host facts, for the checks' unit tests: probes
// answer from a table, planned steps from a list.
import type { HostFacts } from '../../engine/facts/types.js';
import type { Host, Inventory } from '../../engine/model.js';
import type { PreflightCheck, PreflightContext, PreflightVerdict } from '../../engine/step-kind.js';
import type { ExecResult } from '../../engine/transport/types.js';
import { healthyFacts } from '../helpers/facts.js';

export function host(name: string, roles: string[], internalAddress: string, vars: Record<string, unknown> = {}): Host {
  return { name, address: '192.0.2.1', internalAddress, port: 22, user: 'root', roles, vars, transport: 'ssh' };
}

/** An HA cluster on 10.0.0.0/24: master, control plane, worker, two LBs, VIP 10.0.0.100. */
export function haInventory(): Inventory {
  return {
    file: '/x/inventory.yaml',
    cluster: { name: 'ha', vip: '10.0.0.100', controlPlaneEndpoint: '10.0.0.100:8443' },
    hosts: [
      host('cp-1', ['master'], '10.0.0.1'),
      host('cp-2', ['control-plane'], '10.0.0.2'),
      host('w-1', ['worker'], '10.0.0.11'),
      host('lb-1', ['lb'], '10.0.0.5'),
      host('lb-2', ['lb'], '10.0.0.6'),
    ],
  };
}

export interface FakePreflight {
  inventory?: Inventory;
  /** Facts per host (default: healthy, holding its internal address on ens3/24). */
  facts?: Record<string, HostFacts>;
  planned?: { kind: string; host: string; step: string; finished: boolean }[];
  probe?: (command: string, host: string) => Partial<ExecResult>;
  resuming?: boolean;
}

export function preflightContext(hostName: string, o: FakePreflight = {}): PreflightContext & { probes: string[] } {
  const inventory = o.inventory ?? haInventory();
  const facts = (name: string): HostFacts | undefined => {
    if (o.facts?.[name]) return o.facts[name];
    const h = inventory.hosts.find((x) => x.name === name);
    return h ? healthyFacts({ hostname: name, address: h.internalAddress }) : undefined;
  };
  const h = inventory.hosts.find((x) => x.name === hostName)!;
  const probes: string[] = [];
  return {
    host: h,
    inventory,
    cluster: inventory.cluster,
    facts: facts(hostName)!,
    factsOf: facts,
    hostsWithRole: (role) => inventory.hosts.filter((x) => x.roles.includes(role)),
    planned: (kind) => (o.planned ?? []).filter((p) => p.kind === kind).map(({ host: ph, step, finished }) => ({ host: ph, step, finished })),
    resuming: o.resuming ?? false,
    async probe(command, options) {
      probes.push(command);
      const r = o.probe?.(command, options?.host ?? hostName) ?? {};
      return { command, exitCode: 0, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...r };
    },
    signal: new AbortController().signal,
    probes,
  };
}

/** Evaluate one check of a list by id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function evaluate(checks: readonly PreflightCheck<any>[], id: string, ctx: PreflightContext, w: Record<string, unknown> = {}): Promise<PreflightVerdict> {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id} among ${checks.map((c) => c.id).join(', ')}`);
  return check.evaluate(ctx, w);
}
