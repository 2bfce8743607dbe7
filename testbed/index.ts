// The testbed's programmatic entry (`podsec-play testbed up|down` wraps it): nodes as real Linux
// namespaces on a bridge, each with a real sshd, the lab's stand-ins for what a Debian host lacks
// and the real programs for the rest. Unlike the lab, `startTestbed` returns once the nodes are
// up and nothing of it lives in this process: the kernel holds the namespaces and the nodes'
// own processes run on until `stopTestbed`.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { ensureClock } from '../lab/clock.js';
import { ensureKeyPair } from '../lab/keys.js';
import { labFiles, nodeRoot, readLabState, writeLabState, type LabNode, type LabState, type NodeRole } from '../lab/layout.js';
import { processAlive, readPid } from '../lab/pid-file.js';
import { linkStandins, standinsDir } from '../lab/standins.js';
import { clusterInfoFor, newLabState, planNodes, type LabCounts } from '../lab/topology.js';
import { hostVethName, MAX_NODES, netnsName, nodeAddress, POOL_PREFIX, type TestbedNet } from './addresses.js';
import { mustRun, runHost, type HostResult } from './host-command.js';
import { writeTestbedFiles } from './inventory.js';
import { addAltPrograms } from './alt-programs.js';
import { addNodeNetworks, claimNetwork, configureBridge } from './network.js';
import { prepareNodeDisk } from './node-disk.js';
import { inNode, startInit } from './node-init.js';
import { readTestbedRecord, takeUpLock, writeTestbedRecord, type TestbedRecord } from './record.js';
import { assertTestbedHost, programPaths, type ProgramName } from './requirements.js';
import { waitPort } from './sshd.js';
import { tearDown, testbedLive } from './teardown.js';

export { readTestbedRecord, testbedFiles } from './record.js';
export type { TestbedRecord } from './record.js';

export interface StartTestbedOptions extends LabCounts {
  dir: string;
  /** Lab time between a node's join (and the CNI) and it being Ready. Default 1000 ms. */
  readyDelayMs?: number;
  /** Where the stand-ins are (default: this package's lab/standins; the single executable's
   * unpacked copy otherwise). */
  standinsDir?: string;
  /** Where a `node` for the stand-ins is (default: the one running this). */
  nodeBinDir?: string;
}

export interface TestbedNode extends LabNode {
  /** DIR/nodes/NAME: the node's disk (its /etc, /var, … are bind mounts of these). */
  root: string;
  netns: string;
  initPid: number;
}

export interface RunningTestbed {
  dir: string;
  inventoryFile: string;
  knownHostsFile: string;
  identityFile: string;
  net: TestbedNet;
  nodes: TestbedNode[];
  /** Run a program inside a node (its mount, UTS and network namespaces), as root. */
  exec(node: string, argv: string[], options?: { input?: string; timeoutMs?: number }): Promise<HostResult>;
  /** Remove every namespace, mount, veth, the bridge and every node process. */
  down(): Promise<void>;
}

/** Programs a Debian host lacks (or has in another form: ALT's apt-get is apt-rpm) run as the
 * lab's stand-ins on a testbed node; everything else is the real program. */
export function testbedStandin(name: string): boolean {
  return name.startsWith('podsec-') || ['kubeadm', 'kubectl', 'rpm', 'systemctl', 'machinectl', 'nsenter_u7s', 'apt-get', 'swapon'].includes(name);
}

/** The package root of a stand-ins directory (PKG/lab/standins). */
function packageRoot(standins: string): string {
  return resolve(standins, '..', '..');
}

/** The node_modules the copied stand-ins' imports resolve in (the API server's @peculiar/x509),
 * or undefined where there is none (the single executable: its stand-ins carry vendor/x509.mjs). */
function nodeModulesDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@peculiar/x509/package.json');
    return resolve(dirname(pkg), '..', '..');
  } catch {
    return undefined;
  }
}

/** Refuse a DIR a lab uses, and a DIR whose testbed is still up (exit 3). */
async function refuseUsedDir(ip: string, dir: string, previous: TestbedRecord | undefined): Promise<void> {
  const lab = readLabState(dir);
  if (lab && !lab.testbed) {
    const pid = readPid(labFiles(dir).pid);
    throw new PlayError(`${dir} holds a lab${pid !== undefined && processAlive(pid) ? ` (running, pid ${pid})` : ''}, not a testbed: choose another --dir`, { code: 'E_STATE' });
  }
  if (previous && (await testbedLive(ip, previous))) {
    throw new PlayError(`a testbed is already up in ${dir} (bridge ${previous.net.bridge}); bring it down first: podsec-play testbed down --dir ${dir}`, { code: 'E_LOCKED' });
  }
}

export async function startTestbed(options: StartTestbedOptions): Promise<RunningTestbed> {
  assertTestbedHost();
  const programs = programPaths();
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // node users (the image maker) run stand-ins that read DIR
  const release = takeUpLock(dir);
  try {
    const previous = readTestbedRecord(dir);
    await refuseUsedDir(programs.ip, dir, previous);
    const previousLab = readLabState(dir);
    const planned = planNodes(previousLab?.nodes ?? [], options);
    if (planned.length > MAX_NODES) throw new PlayError(`a testbed holds at most ${MAX_NODES} nodes`, { code: 'E_USAGE' });
    const net = await claimNetwork(programs.ip, previous?.net.index);
    if (previous && net.index !== previous.net.index) {
      await mustRun(programs.ip, ['link', 'del', net.bridge]);
      throw new PlayError(`the testbed in ${dir} used ${previous.net.subnet}, which something else holds now: it cannot come back on its addresses (use a new --dir)`, { code: 'E_STATE' });
    }
    const record: TestbedRecord = {
      version: 1,
      net,
      nodes: planned.map((n, position) => ({ name: n.name, role: n.role, position, address: nodeAddress(net, position), netns: netnsName(net, n.name), hostVeth: hostVethName(net, position) })),
      ...(previous?.secrets ? { secrets: previous.secrets } : {}),
    };
    writeTestbedRecord(dir, record);
    try {
      return await bringUp(dir, record, programs, previousLab, options);
    } catch (err) {
      await tearDown(programs.ip, dir, record).catch(() => undefined);
      throw err;
    }
  } finally {
    release();
  }
}

async function bringUp(dir: string, record: TestbedRecord, programs: Record<ProgramName, string>, previousLab: LabState | undefined, options: StartTestbedOptions): Promise<RunningTestbed> {
  const { net } = record;
  const source = options.standinsDir ?? standinsDir();
  const nodeProgram = options.nodeBinDir ? join(options.nodeBinDir, 'node') : process.execPath;
  const files = labFiles(dir);
  await configureBridge(programs.ip, net);
  await addNodeNetworks(programs.ip, net, record.nodes);

  const nodes: LabNode[] = record.nodes.map((n) => ({ name: n.name, role: n.role as NodeRole, port: 22, internalAddress: n.address }));
  const state = newLabState(nodes, previousLab && { ...previousLab, secrets: record.secrets ?? {} }, `${POOL_PREFIX}.${net.index}`, options.readyDelayMs);
  record.secrets = state.secrets;
  writeTestbedRecord(dir, record);
  const lbs = nodes.some((n) => n.role === 'lb');
  state.cluster = { ...clusterInfoFor(nodes), name: 'testbed', ...(lbs ? { vip: net.vip, controlPlaneEndpoint: `${net.vip}:8443` } : {}) };
  // A copy of the stand-ins in DIR: node users (the image maker) must reach them, and the
  // package may live where they cannot (under a node's /root, say). A control plane's u7s
  // unit is the lab's Kubernetes API server from that copy (apiserver/serve.mjs).
  const standins = join(dir, 'standins');
  state.testbed = { hostAddress: net.hostAddress, subnet: net.subnet, vip: net.vip, programs, apiServer: [nodeProgram, join(standins, 'apiserver', 'serve.mjs')] };
  // lab.json without the secrets, readable by every node user (stand-ins may run as one)
  writeLabState(dir, { ...state, secrets: {} }, 0o644);
  const client = ensureKeyPair(files.clientKey, 'podsec-play-testbed');
  rmSync(standins, { recursive: true, force: true });
  cpSync(source, standins, { recursive: true });
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  const modules = nodeModulesDir();
  if (modules) symlinkSync(modules, join(dir, 'node_modules'));
  linkStandins(files.bin, { source: standins, only: testbedStandin, extra: { node: nodeProgram } });
  addAltPrograms(files.bin, programs);
  ensureClock(dir);

  const hostKeys = new Map<string, string>();
  const shared = [dir, packageRoot(source), dirname(realpathSync(nodeProgram))];
  const byName = new Map(record.nodes.map((n) => [n.name, n]));
  await Promise.all(
    nodes.map(async (node) => {
      const root = nodeRoot(dir, node.name);
      const env = { LAB_DIR: dir, LAB_NODE: node.name, LAB_NODE_ROOT: root };
      hostKeys.set(node.name, prepareNodeDisk({ root, node, binDir: files.bin, clientPublicKey: client.publicKey, env, cluster: state.cluster, standins: source }));
      const rec = byName.get(node.name)!;
      const usrLayers = readdirSync(join(root, 'usr')).filter((d) => existsSync(join('/usr', d)));
      rec.initPid = await startInit({ ip: programs.ip, unshare: programs.unshare, netns: rec.netns, root, hostname: node.name, shared, binDir: files.bin, usrLayers });
    }),
  );
  writeTestbedRecord(dir, record);

  // A root shell on the node's console: a clean environment like an SSH session's.
  const exec = (name: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}) => {
    const rec = byName.get(name);
    if (rec?.initPid === undefined) throw new PlayError(`no testbed node ${name} in ${dir}`, { code: 'E_USAGE' });
    const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8', `LAB_DIR=${dir}`, `LAB_NODE=${name}`, `LAB_NODE_ROOT=${nodeRoot(dir, name)}`];
    const [file, args] = inNode(programs.nsenter, rec.initPid, ['/usr/bin/env', '-i', ...env, ...argv]);
    return runHost(file, args, opts);
  };
  await Promise.all(
    nodes.map(async (node) => {
      const boot = await exec(node.name, [nodeProgram, join(standins, 'lib', 'boot.mjs')], { timeoutMs: 60_000 });
      if (boot.code !== 0) throw new PlayError(`node ${node.name} did not boot: ${(boot.stderr || boot.stdout).trim()}`, { code: 'E_STATE' });
    }),
  );
  const sealed = new Set(nodes.filter((n) => !sshdEnabled(dir, n.name)).map((n) => n.name));
  for (const node of nodes) {
    if (sealed.has(node.name)) continue;
    if (!(await waitPort(node.internalAddress, 22, true))) throw new PlayError(`the sshd of ${node.name} does not answer on ${node.internalAddress}:22`, { code: 'E_STATE' });
  }
  writeTestbedFiles(dir, state, hostKeys);

  let downing: Promise<void> | undefined;
  return {
    dir,
    inventoryFile: files.inventory,
    knownHostsFile: files.knownHosts,
    identityFile: files.clientKey,
    net,
    nodes: nodes.map((n) => {
      const rec = byName.get(n.name)!;
      return { ...n, root: nodeRoot(dir, n.name), netns: rec.netns, initPid: rec.initPid! };
    }),
    exec,
    down() {
      downing ??= tearDown(programs.ip, dir, record);
      return downing;
    },
  };
}

/** A node whose sshd unit was disabled (sealed) boots without SSH. */
function sshdEnabled(dir: string, node: string): boolean {
  try {
    const unit = JSON.parse(readFileSync(join(nodeRoot(dir, node), 'var/lib/lab/systemd/sshd.json'), 'utf8')) as { enabled?: boolean };
    return unit.enabled !== false;
  } catch {
    return true;
  }
}

/** Bring down the testbed in DIR (by the names in DIR/testbed.json); false when there was none. */
export async function stopTestbed(dir: string): Promise<boolean> {
  const abs = resolve(dir);
  const record = readTestbedRecord(abs);
  if (!record) return false;
  const ip = programPaths().ip;
  const live = await testbedLive(ip, record);
  await tearDown(ip, abs, record);
  return live;
}
