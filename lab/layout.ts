// Where everything of a lab lives under its DIR, and the lab.json record that lets a restarted
// lab keep its ports, keys and nodes (and lets the stand-ins find the other nodes).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type NodeRole = 'master' | 'control-plane' | 'worker' | 'lb';

export interface LabNode {
  name: string;
  role: NodeRole;
  /** SSH port on 127.0.0.1 (0 until first listened). */
  port: number;
  /** The node's cluster address (127.A.B.N: the lab's own /24, see topology.ts). */
  internalAddress: string;
}

export interface LabClusterInfo {
  name: string;
  kubeVersion: string;
  registry: string;
  /** Only when a lab was made before the platform came from the nodes' os-release (facts). */
  platform?: string;
  vip?: string;
  controlPlaneEndpoint?: string;
}

/** DIR/lab.json: written by the lab, read by the stand-ins (topology) and by a restarted lab. */
export interface LabState {
  version: 1;
  /** The lab's /24 as `127.A.B` (absent in labs made before addresses were per lab: 127.0.1). */
  subnet?: string;
  cluster: LabClusterInfo;
  /** Nodes become Ready this long (lab time) after both their join and the CNI. */
  readyDelayMs: number;
  /** Throwaway secrets written into the inventory (kept so a restart writes the same ones). */
  secrets: Record<string, string>;
  nodes: LabNode[];
  /** Present when DIR is a testbed (testbed/): what its stand-ins need to run real daemons. */
  testbed?: TestbedInfo;
}

/** Read by lab/standins/lib/daemons.mjs and dial.mjs on a testbed node. */
export interface TestbedInfo {
  /** The controller's address on the testbed's bridge. */
  hostAddress: string;
  subnet: string;
  vip: string;
  /** Absolute paths of the real programs (sshd, haproxy, keepalived, …). */
  programs: Record<string, string>;
  /** argv of u7s's API server on a control plane (node and its script). */
  apiServer: string[];
}

export const labFiles = (dir: string) => ({
  state: join(dir, 'lab.json'),
  inventory: join(dir, 'inventory.yaml'),
  knownHosts: join(dir, 'known_hosts'),
  clientKey: join(dir, 'id_ed25519'),
  clientPub: join(dir, 'id_ed25519.pub'),
  pid: join(dir, 'lab.pid'),
  clock: join(dir, 'clock.json'),
  cluster: join(dir, 'cluster.json'),
  apiServerLog: join(dir, 'apiserver.log'),
  connections: join(dir, 'connections.log'),
  bin: join(dir, 'bin'),
  nodes: join(dir, 'nodes'),
});

export function nodeRoot(dir: string, name: string): string {
  return join(dir, 'nodes', name);
}

export function readLabState(dir: string): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(labFiles(dir).state, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as LabState;
}

/** Write a file atomically (temporary name, then rename) so readers never see half of it. */
export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o644): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

export function writeLabState(dir: string, state: LabState, mode = 0o600): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(labFiles(dir).state, JSON.stringify(state, null, 2) + '\n', mode);
}
