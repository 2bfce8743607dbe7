// The testbed's kernel network objects: one Linux bridge with the controller's address on it, and
// per node a network namespace joined to the bridge by a veth pair (eth0 inside). A bridge name
// can be created only once, so creating `pptbK` is how a testbed claims 10.213.K.0/24 even when
// several start at the same moment; a /24 that any host route or address already touches is
// skipped. Everything is found and deleted again by name.
import { setTimeout as delay } from 'node:timers/promises';
import { PlayError } from '../engine/errors.js';
import { hostVethName, netFor, netnsName, nodeAddress, overlaps, POOL_SIZE, type TestbedNet } from './addresses.js';
import { mustRun, runHost } from './host-command.js';

/** Every IPv4 route (all tables) and address of the host, as `a.b.c.d[/n]`. */
async function hostPrefixes(ip: string): Promise<string[]> {
  const routes = await mustRun(ip, ['-4', '-o', 'route', 'show', 'table', 'all'], { what: 'listing the host routes' });
  const addrs = await mustRun(ip, ['-4', '-o', 'addr', 'show'], { what: 'listing the host addresses' });
  const found: string[] = [];
  for (const line of [...routes.split('\n'), ...addrs.split('\n')]) {
    const m = /\b(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)/.exec(line);
    if (m?.[1]) found.push(m[1]);
  }
  return found;
}

/** Claim a free 10.213.K.0/24 by creating its bridge (the previous K first, if given). */
export async function claimNetwork(ip: string, preferred?: number): Promise<TestbedNet> {
  const prefixes = await hostPrefixes(ip);
  const order = [...(preferred === undefined ? [] : [preferred]), ...Array.from({ length: POOL_SIZE }, (_, k) => k).filter((k) => k !== preferred)];
  for (const k of order) {
    const net = netFor(k);
    if (prefixes.some((p) => overlaps(net, p))) continue;
    const r = await runHost(ip, ['link', 'add', 'name', net.bridge, 'type', 'bridge']);
    if (r.code === 0) return net;
    if (!/exists/i.test(r.stderr)) throw new PlayError(`cannot create the bridge ${net.bridge}: ${r.stderr.trim()}`, { code: 'E_STATE' });
  }
  throw new PlayError('no free /24 left in 10.213.0.0/16 for a testbed (bring some down with `podsec-play testbed down`)', { code: 'E_STATE' });
}

/** The controller's side: its address on the bridge, the bridge up. */
export async function configureBridge(ip: string, net: TestbedNet): Promise<void> {
  await mustRun(ip, ['-batch', '-'], {
    input: [`addr add ${net.hostAddress}/${net.prefixLength} dev ${net.bridge}`, `link set ${net.bridge} up`].join('\n') + '\n',
    what: `configuring the bridge ${net.bridge}`,
  });
}

export interface NodeLink {
  name: string;
  position: number;
}

/** Namespaces, veth pairs and addresses for the nodes (two `ip -batch` runs per node at most). */
export async function addNodeNetworks(ip: string, net: TestbedNet, nodes: NodeLink[]): Promise<void> {
  const host = nodes.flatMap((n) => {
    const ns = netnsName(net, n.name);
    const veth = hostVethName(net, n.position);
    return [`netns add ${ns}`, `link add ${veth} type veth peer name eth0 netns ${ns}`, `link set ${veth} master ${net.bridge}`, `link set ${veth} up`];
  });
  await mustRun(ip, ['-batch', '-'], { input: host.join('\n') + '\n', what: 'creating the node namespaces' });
  await Promise.all(
    nodes.map((n) =>
      mustRun(ip, ['-n', netnsName(net, n.name), '-batch', '-'], {
        input: ['link set lo up', `addr add ${nodeAddress(net, n.position)}/${net.prefixLength} dev eth0`, 'link set eth0 up', `route add default via ${net.hostAddress}`].join('\n') + '\n',
        what: `configuring the network of ${n.name}`,
      }),
    ),
  );
}

/** Pids of every process in a named network namespace (none when it does not exist). */
export async function netnsPids(ip: string, netns: string): Promise<number[]> {
  const r = await runHost(ip, ['netns', 'pids', netns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0);
}

export async function netnsExists(ip: string, netns: string): Promise<boolean> {
  const r = await runHost(ip, ['netns', 'list']);
  return r.code === 0 && r.stdout.split('\n').some((l) => l.split(/\s+/)[0] === netns);
}

export async function linkExists(ip: string, name: string): Promise<boolean> {
  return (await runHost(ip, ['link', 'show', 'dev', name])).code === 0;
}

/** Kill every process in the namespace (SIGKILL: it is being destroyed) and wait until none is
 * left; then delete the namespace and the host end of its veth. Quiet when already gone. */
export async function removeNodeNetwork(ip: string, netns: string, hostVeth: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pids = await netnsPids(ip, netns);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (Date.now() > deadline) throw new PlayError(`processes ${pids.join(' ')} in ${netns} did not die`, { code: 'E_STATE' });
    await delay(20);
  }
  if (await netnsExists(ip, netns)) await mustRun(ip, ['netns', 'del', netns], { what: `deleting ${netns}` });
  if (await linkExists(ip, hostVeth)) await runHost(ip, ['link', 'del', hostVeth]);
}

export async function removeBridge(ip: string, bridge: string): Promise<void> {
  if (await linkExists(ip, bridge)) await mustRun(ip, ['link', 'del', bridge], { what: `deleting the bridge ${bridge}` });
}
