// Which nodes a lab has: names, roles and internal addresses, extended (never shrunk) when a
// lab restarts on an existing DIR with larger counts, so the old inventory stays valid.
import { randomBytes } from 'node:crypto';
import type { LabClusterInfo, LabNode, LabState, NodeRole } from './layout.js';

export interface LabCounts {
  /** Control planes besides the master. */
  controlPlanes?: number;
  workers?: number;
  lbs?: number;
}

export const DEFAULT_COUNTS = { controlPlanes: 0, workers: 1, lbs: 0 } as const;
export const LAB_VIP = '127.0.1.100';
export const LAB_DEFAULT_READY_DELAY_MS = 1000;

/** 127.0.1.1, 127.0.1.2, … skipping the VIP (127.0.1.100); 250 addresses per /24. */
export function internalAddressFor(index: number): string {
  const n = index >= 99 ? index + 1 : index; // index 0 → .1; never .100
  const block = 1 + Math.floor(n / 250);
  return `127.0.${block}.${(n % 250) + 1}`;
}

function prefixOf(role: NodeRole): string {
  return role === 'worker' ? 'worker' : role === 'lb' ? 'lb' : 'cp';
}

function count(nodes: LabNode[], roles: NodeRole[]): number {
  return nodes.filter((n) => roles.includes(n.role)).length;
}

/** The nodes of a lab: the existing ones first (same order, ports, addresses), then new ones. */
export function planNodes(existing: LabNode[], counts: LabCounts): LabNode[] {
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
      nodes.push({ name: `${prefixOf(role)}-${ordinal}`, role, port: 0, internalAddress: internalAddressFor(nodes.length) });
    }
  };
  add('master', 1, ['master', 'control-plane']);
  add('control-plane', 1 + want.controlPlanes, ['master', 'control-plane']);
  add('worker', want.workers, ['worker']);
  add('lb', want.lbs, ['lb']);
  return nodes;
}

export function clusterInfoFor(nodes: LabNode[]): LabClusterInfo {
  const ha = nodes.some((n) => n.role === 'lb');
  return {
    name: 'lab',
    kubeVersion: 'v1.28.3',
    registry: 'registry.local',
    // No platform: podsec-play takes it from the master's /etc/os-release (its facts).
    ...(ha ? { vip: LAB_VIP, controlPlaneEndpoint: `${LAB_VIP}:8443` } : {}),
  };
}

function throwaway(label: string): string {
  return `lab-${label}-${randomBytes(6).toString('hex')}`;
}

export function newLabState(nodes: LabNode[], previous: LabState | undefined, readyDelayMs?: number): LabState {
  return {
    version: 1,
    cluster: clusterInfoFor(nodes),
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
