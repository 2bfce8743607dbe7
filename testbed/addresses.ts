// The testbed's network plan, as pure functions: one /24 out of 10.213.0.0/16 per testbed (its
// index K also names the bridge, the namespaces and the host-side veths, so every kernel object
// a testbed makes can be found and deleted by name), the controller at .1, the VIP at .100 and
// the nodes at .11 upwards (skipping .100).

/** 10.213.K.0/24: a private range unlikely to be routed on a workstation or a CI runner. */
export const POOL_PREFIX = '10.213';
export const POOL_SIZE = 256;
/** Nodes start at .11; .100 is the VIP; .255 is broadcast. */
const FIRST_NODE = 11;
const VIP_OCTET = 100;
export const MAX_NODES = 254 - FIRST_NODE + 1 - 1;

export interface TestbedNet {
  /** K in 10.213.K.0/24. */
  index: number;
  /** The Linux bridge every node's veth is a port of (`pptbK`, at most 15 characters). */
  bridge: string;
  /** `10.213.K.0/24`. */
  subnet: string;
  prefixLength: 24;
  /** The controller's address on the bridge (`.1`): how podsec-play reaches the nodes. */
  hostAddress: string;
  /** The address keepalived moves between the LB nodes (`.100`). */
  vip: string;
}

export function netFor(index: number): TestbedNet {
  if (!Number.isInteger(index) || index < 0 || index >= POOL_SIZE) throw new Error(`testbed network index out of range: ${index}`);
  const base = `${POOL_PREFIX}.${index}`;
  return { index, bridge: `pptb${index}`, subnet: `${base}.0/24`, prefixLength: 24, hostAddress: `${base}.1`, vip: `${base}.${VIP_OCTET}` };
}

/** The address of the node at position `position` (0-based) of the topology. */
export function nodeAddress(net: TestbedNet, position: number): string {
  if (position < 0 || position >= MAX_NODES) throw new Error(`a testbed holds at most ${MAX_NODES} nodes`);
  const octet = FIRST_NODE + position >= VIP_OCTET ? FIRST_NODE + position + 1 : FIRST_NODE + position;
  return `${POOL_PREFIX}.${net.index}.${octet}`;
}

/** The node's network namespace (`ip netns` name): `pptbK-NAME`. */
export function netnsName(net: TestbedNet, node: string): string {
  return `${net.bridge}-${node}`;
}

/** The host end of the node's veth pair (`pptbKvN`; the node end is `eth0`). */
export function hostVethName(net: TestbedNet, position: number): string {
  return `${net.bridge}v${position}`;
}

/** IPv4 a.b.c.d → 32-bit number. */
function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Does the route or address `cidr` (`a.b.c.d/n`, or a bare address) overlap 10.213.K.0/24? */
export function overlaps(net: TestbedNet, cidr: string): boolean {
  const [ip = '', bits = '32'] = cidr.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const len = Math.min(Number(bits), 24);
  if (len === 0) return false; // the default route is not a clash
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((toNumber(ip) & mask) >>> 0) === ((toNumber(`${POOL_PREFIX}.${net.index}.0`) & mask) >>> 0);
}
