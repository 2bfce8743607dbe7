// Bringing a testbed down: every process in each node's namespace killed (sshd, haproxy,
// keepalived, the API servers, the init, any session), the namespaces, veths and bridge deleted,
// all by the names in DIR/testbed.json. The node disks stay (the next `up` is a reboot).
import { isAlive } from '../engine/util/process.js';
import { netnsExists, linkExists, removeBridge, removeNodeNetwork } from './network.js';
import { writeTestbedRecord, type TestbedRecord } from './record.js';

/** Is any object or process of this testbed still there? */
export async function testbedLive(ip: string, record: TestbedRecord): Promise<boolean> {
  if (record.nodes.some((n) => n.initPid !== undefined && isAlive(n.initPid))) return true;
  if (await linkExists(ip, record.net.bridge)) return true;
  for (const n of record.nodes) if (await netnsExists(ip, n.netns)) return true;
  return false;
}

/** Remove everything (quiet about what is already gone); the first failure is thrown after
 * every node has been tried. */
export async function tearDown(ip: string, dir: string, record: TestbedRecord): Promise<void> {
  const problems: unknown[] = [];
  for (const n of record.nodes) {
    try {
      if (n.initPid !== undefined && isAlive(n.initPid)) process.kill(n.initPid, 'SIGKILL');
      await removeNodeNetwork(ip, n.netns, n.hostVeth);
      delete n.initPid;
    } catch (err) {
      problems.push(err);
    }
  }
  try {
    await removeBridge(ip, record.net.bridge);
  } catch (err) {
    problems.push(err);
  }
  writeTestbedRecord(dir, record);
  if (problems.length > 0) throw problems[0];
}
