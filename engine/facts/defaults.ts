// Defaults taken from the facts, applied to the run's copy of the inventory (the plan and its
// hash stay those of the files). An internal address the inventory gives explicitly always wins;
// checks report when it contradicts the facts.
//
// internalAddress: when the inventory names only `address` (a public or NAT address, or a DNS
// name the host does not hold), the cluster address is the one the controller's SSH connection
// reached as the host sees it ($SSH_CONNECTION), else the address on the default route's
// interface.
import type { Host, Inventory } from '../model.js';
import { interfaceHolding } from './parse-net.js';
import type { HostFacts } from './types.js';

export interface DefaultedAddress {
  host: string;
  from: string;
  to: string;
  why: string;
}

/** The run's inventory with facts-derived defaults, and what changed (for the log). */
export function applyFactDefaults(inventory: Inventory, facts: ReadonlyMap<string, HostFacts>): { inventory: Inventory; changed: DefaultedAddress[] } {
  const changed: DefaultedAddress[] = [];
  const hosts = inventory.hosts.map((host): Host => {
    const f = facts.get(host.name);
    if (!f || f.internal || host.internalAddress !== host.address) return host;
    const pick = defaultInternal(f);
    if (!pick) return host;
    f.internal = pick.internal;
    changed.push({ host: host.name, from: host.address, to: pick.internal.address, why: pick.why });
    return { ...host, internalAddress: pick.internal.address };
  });
  return { inventory: changed.length ? { ...inventory, hosts } : inventory, changed };
}

function defaultInternal(f: HostFacts): { internal: NonNullable<HostFacts['internal']>; why: string } | undefined {
  const held = (address: string | undefined) => (address ? interfaceHolding(f.interfaces, address) : undefined);
  const ssh = held(f.sshAddress);
  if (ssh && ssh.iface.name !== 'lo') {
    return { internal: toInternal(ssh), why: `the address the SSH connection reached (${ssh.iface.name})` };
  }
  const dev = f.defaultRoute?.interface;
  const iface = dev ? f.interfaces[dev] : undefined;
  const first = iface?.addresses.find((a) => a.family === 'inet') ?? iface?.addresses.find((a) => a.family === 'inet6' && !a.address.startsWith('fe80:'));
  if (iface && first) return { internal: toInternal({ iface, address: first }), why: `the address of ${iface.name}, which holds the default route` };
  return undefined;
}

function toInternal(h: { iface: { name: string }; address: { address: string; prefix: number; subnet: string } }): NonNullable<HostFacts['internal']> {
  return { address: h.address.address, interface: h.iface.name, prefix: h.address.prefix, subnet: h.address.subnet };
}
