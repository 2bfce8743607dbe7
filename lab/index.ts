// The lab's programmatic entry: start simulated nodes in this process (the demo and the tests use
// it; `podsec-play lab up` wraps it), write the inventory and known_hosts, stop them again.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { ensureClock } from './clock.js';
import { writeLabFiles } from './inventory.js';
import { ensureKeyPair, hostKeyFile, parsePublicKey } from './keys.js';
import { labFiles, nodeRoot, readLabState, writeLabState, type LabNode, type LabState } from './layout.js';
import { NodeServer } from './node-server.js';
import { startApiServer, type ApiServerProcess } from './api-server.js';
import { claimPidFile, readPid } from './pid-file.js';
import { linkWrapper, seedImageArchive, seedNode, type LabOs } from './seed.js';
import { linkStandins, standinsDir } from './standins.js';
import { pickFreeSubnet } from './subnet.js';
import { LEGACY_SUBNET, newLabState, planNodes, type LabCounts } from './topology.js';

export { advanceClock, labNow, parseLabDuration } from './clock.js';
export type { LabNode, LabState, NodeRole } from './layout.js';
export { labFiles, readLabState } from './layout.js';
export { processAlive, readPid } from './pid-file.js';

export interface StartLabOptions extends LabCounts {
  dir: string;
  /** Lab time between a node's join (and the CNI) and it being Ready. Default 1000 ms. */
  readyDelayMs?: number;
  /** Keep the port of a node that comes up sealed (sshd disabled) open as a tripwire: a
   * connection is accepted, recorded in DIR/connections.log and dropped at once. For tests that
   * prove nobody tries SSH on a sealed node; the port then no longer refuses connections. */
  tripwireSealed?: boolean;
  /** /etc/os-release of nodes created now (p10 by default); existing nodes keep theirs. */
  os?: LabOs;
  /** Where the stand-in scripts are (default: lab/standins of this checkout or package). */
  standinsDir?: string;
  /** A directory with the `node` that runs the stand-ins (default: this process's node's). */
  nodeBinDir?: string;
}

export interface RunningNode extends LabNode {
  /** DIR/nodes/NAME: the node's "/". */
  root: string;
  /** False when the node's sshd is off (sealed). */
  listening: boolean;
}

export interface RunningLab {
  dir: string;
  /** The lab's /24 (`127.A.B`): internal addresses and the VIP live there. */
  subnet: string;
  /** The API server child process (pid), serving INTERNAL:6443 and the VIP. */
  apiServerPid: number;
  inventoryFile: string;
  knownHostsFile: string;
  identityFile: string;
  nodes: RunningNode[];
  stop(): Promise<void>;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function startLab(options: StartLabOptions): Promise<RunningLab> {
  const dir = resolve(options.dir);
  const files = labFiles(dir);
  mkdirSync(dir, { recursive: true });
  claimPidFile(files.pid);

  const previous = readLabState(dir);
  let subnet: string;
  try {
    subnet = previous ? (previous.subnet ?? LEGACY_SUBNET) : await pickFreeSubnet();
  } catch (err) {
    rmSync(files.pid, { force: true });
    throw err;
  }
  const state: LabState = newLabState(planNodes(previous?.nodes ?? [], options, subnet), previous, subnet, options.readyDelayMs);
  const client = ensureKeyPair(files.clientKey, 'podsec-play-lab');
  const clientKey = parsePublicKey(client.publicKey);
  const standins = options.standinsDir ?? standinsDir();
  linkStandins(files.bin, { source: standins });
  ensureClock(dir);

  const path = `${files.bin}:${options.nodeBinDir ?? dirname(process.execPath)}:${SYSTEM_PATH}`;
  const hostKeys = new Map<string, string>();
  const servers: NodeServer[] = [];
  try {
    for (const node of state.nodes) {
      const root = nodeRoot(dir, node.name);
      if (seedNode(root, node, standins, options.os) && node.role === 'master') seedImageArchive(root, state.cluster, options.os ?? 'p10');
      linkWrapper(root, files.bin);
      const hostKey = ensureKeyPair(hostKeyFile(root), `root@${node.name}`);
      hostKeys.set(node.name, hostKey.publicKey);
      servers.push(new NodeServer({ dir, node, root, hostKey: hostKey.privateKey, clientKey, path, tripwireSealed: options.tripwireSealed === true }));
    }
  } catch (err) {
    rmSync(files.pid, { force: true });
    throw new PlayError(`cannot set up the lab in ${dir}: ${(err as Error).message}`, { code: 'E_STATE' });
  }

  let api: ApiServerProcess | undefined;
  const stopAll = async () => {
    await Promise.all([...servers.map((s) => s.stop()), api?.stop()]);
  };
  const started = await Promise.allSettled(servers.map((s) => s.start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll();
    rmSync(files.pid, { force: true });
    throw new PlayError(`cannot start the lab in ${dir}: ${(failed.reason as Error).message}`, { code: 'E_STATE' });
  }

  servers.forEach((s, i) => {
    const node = state.nodes[i];
    if (node) node.port = s.port;
  });
  writeLabState(dir, state);
  writeLabFiles(dir, state, hostKeys);
  try {
    api = await startApiServer(dir, state, { standinsDir: standins, ...(options.nodeBinDir ? { node: join(options.nodeBinDir, 'node') } : {}) });
  } catch (err) {
    await stopAll();
    rmSync(files.pid, { force: true });
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    dir,
    subnet,
    apiServerPid: api.pid,
    inventoryFile: files.inventory,
    knownHostsFile: files.knownHosts,
    identityFile: files.clientKey,
    nodes: state.nodes.map((n, i) => ({ ...n, root: nodeRoot(dir, n.name), listening: servers[i]?.isListening ?? false })),
    stop() {
      stopping ??= stopAll().then(() => {
        if (readPid(files.pid) === process.pid) rmSync(files.pid, { force: true });
      });
      return stopping;
    },
  };
}
