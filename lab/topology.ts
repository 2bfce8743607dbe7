// Which nodes a lab has: names, roles and internal addresses, extended (never shrunk) when a
// lab restarts on an existing DIR with larger counts, so the old inventory stays valid.
//
// Internal addresses are real loopback addresses: the lab's API server listens on them (a control
// plane's INTERNAL:6443, the VIP's :8443). Labs run side by side (tests start many at once), so
// each lab takes its own /24 inside 127.0.0.0/8, chosen at random when the lab is made and kept in
// lab.json; a restart keeps it.
import { randomBytes, randomInt } from 'node:crypto';
import type { LabClusterInfo, LabNode, LabState, NodeRole } from './layout.js';

export interface LabCounts {
  /** Control planes besides the master. */
  controlPlanes?: number;
  workers?: number;
  lbs?: number;
}

export const DEFAULT_COUNTS = { controlPlanes: 0, workers: 1, lbs: 0 } as const;
export const LAB_DEFAULT_READY_DELAY_MS = 1000;
/** Labs written before addresses were chosen per lab used 127.0.1.N. */
export const LEGACY_SUBNET = '127.0.1';
/** The VIP is host .100 of the lab's first /24; no node gets it. */
const VIP_HOST = 100;

/** A random `127.A.B` (the /24 127.A.B.0): A in 100..249 keeps clear of 127.0.0.0/16, which
 * sshd tests and Debian's 127.0.1.1 use; B up to 239 leaves room for labs of thousands of nodes
 * (250 addresses per /24, spilling into 127.A.B+1…). */
export function randomSubnet(): string {
  return `127.${randomInt(100, 250)}.${randomInt(0, 240)}`;
}

/** `127.A.B` → its first three octets as numbers. */
function octets(subnet: string): [number, number, number] {
  const parts = subnet.split('.').map(Number);
  return [parts[0] ?? 127, parts[1] ?? 0, parts[2] ?? 1];
}

/** Node `index` of a lab on `subnet`: .1, .2, … skipping the VIP (.100); 250 addresses per /24. */
export function internalAddressFor(index: number, subnet = LEGACY_SUBNET): string {
  const n = index >= VIP_HOST - 1 ? index + 1 : index; // index 0 → .1; never .100
  const [a, b, c] = octets(subnet);
  return `${a}.${b}.${c + Math.floor(n / 250)}.${(n % 250) + 1}`;
}

export function vipFor(subnet = LEGACY_SUBNET): string {
  return `${subnet}.${VIP_HOST}`;
}

function prefixOf(role: NodeRole): string {
  return role === 'worker' ? 'worker' : role === 'lb' ? 'lb' : 'cp';
}

function count(nodes: LabNode[], roles: NodeRole[]): number {
  return nodes.filter((n) => roles.includes(n.role)).length;
}

/** The nodes of a lab: the existing ones first (same order, ports, addresses), then new ones. */
export function planNodes(existing: LabNode[], counts: LabCounts, subnet = LEGACY_SUBNET): LabNode[] {
  const fresh = existing.length === 0;
  const want = {
    controlPlanes: counts.controlPlanes ?? (fresh ? DEFAULT_COUNTS.controlPlanes : 0),
    workers: counts.workers ?? (fresh ? DEFAULT_COUNTS.workers : 0),
    lbs: counts.lbs ?? (fresh ? DEFAULT_COUNTS.lbs : 0),
  };
  const nodes = existing.map((n) => ({ ...n }));
  const add = (role: NodeRole, total: number, roles: NodeRole[]) => {
    while (count(nodes, roles) < total) {
      const ordinal = count(nodes, roles) + 1;
      nodes.push({ name: `${prefixOf(role)}-${ordinal}`, role, port: 0, internalAddress: internalAddressFor(nodes.length, subnet) });
    }
  };
  add('master', 1, ['master', 'control-plane']);
  add('control-plane', 1 + want.controlPlanes, ['master', 'control-plane']);
  add('worker', want.workers, ['worker']);
  add('lb', want.lbs, ['lb']);
  return nodes;
}

export function clusterInfoFor(nodes: LabNode[], subnet = LEGACY_SUBNET): LabClusterInfo {
  const ha = nodes.some((n) => n.role === 'lb');
  const vip = vipFor(subnet);
  return {
    name: 'lab',
    kubeVersion: 'v1.28.3',
    registry: 'registry.local',
    // No platform: podsec-play takes it from the master's /etc/os-release (its facts).
    ...(ha ? { vip, controlPlaneEndpoint: `${vip}:8443` } : {}),
  };
}

function throwaway(label: string): string {
  return `lab-${label}-${randomBytes(6).toString('hex')}`;
}

/** The lab's state: the nodes planned on `subnet` (a restarted lab passes its own). */
export function newLabState(nodes: LabNode[], previous: LabState | undefined, subnet: string, readyDelayMs?: number): LabState {
  return {
    version: 1,
    subnet,
    cluster: clusterInfoFor(nodes, subnet),
    readyDelayMs: readyDelayMs ?? previous?.readyDelayMs ?? LAB_DEFAULT_READY_DELAY_MS,
    // VRRP_PASSWORD: keepalived's PASS authentication keeps at most 8 characters.
    secrets: {
      IMAGEMAKER_PASSWORD: throwaway('password'),
      GPG_PASSPHRASE: throwaway('passphrase'),
      VRRP_PASSWORD: randomBytes(4).toString('hex'),
      ...previous?.secrets,
    },
    nodes,
  };
}
