// DIR/testbed.json: the names of every kernel object a testbed made (bridge, namespaces, veths)
// and the pid of each node's init, written BEFORE those objects exist, so `testbed down` (and a
// test's cleanup) can remove all of them by name even after a crash halfway through `up`.
// DIR/testbed.lock keeps two `up`s on one DIR apart while they run.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { isAlive } from '../engine/util/process.js';
import { writeFileAtomic, type NodeRole } from '../lab/layout.js';
import type { TestbedNet } from './addresses.js';

export interface TestbedNodeRecord {
  name: string;
  role: NodeRole;
  /** Position in the topology (sets the address and the veth name). */
  position: number;
  address: string;
  netns: string;
  hostVeth: string;
  /** The process holding the node's mount and UTS namespaces (absent until it started). */
  initPid?: number;
}

export interface TestbedRecord {
  version: 1;
  net: TestbedNet;
  nodes: TestbedNodeRecord[];
  /** The throwaway secrets of the inventory, kept here (0600): lab.json is readable by the
   * nodes' users on a testbed, whose stand-ins may run as the image maker. */
  secrets?: Record<string, string>;
}

export const testbedFiles = (dir: string) => ({
  record: join(dir, 'testbed.json'),
  lock: join(dir, 'testbed.lock'),
});

export function readTestbedRecord(dir: string): TestbedRecord | undefined {
  let text: string;
  try {
    text = readFileSync(testbedFiles(dir).record, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as TestbedRecord;
  } catch {
    throw new PlayError(`${testbedFiles(dir).record} is damaged (not JSON): remove the testbed's objects by hand (ip netns, ip link) and the file`, { code: 'E_STATE' });
  }
}

export function writeTestbedRecord(dir: string, record: TestbedRecord): void {
  writeFileAtomic(testbedFiles(dir).record, JSON.stringify(record, null, 2) + '\n', 0o600);
}

/** Take DIR/testbed.lock for this process (a lock whose owner died is taken over). */
export function takeUpLock(dir: string): () => void {
  const file = testbedFiles(dir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      // (an empty lock file was created a moment ago and is being written: it is held)
      const young = !pid && Date.now() - statSync(file).mtimeMs < 5000;
      if (young || (Number.isInteger(pid) && pid > 0 && isAlive(pid))) {
        throw new PlayError(`\`testbed up\` is already running on ${dir} (pid ${pid})`, { code: 'E_LOCKED' });
      }
      rmSync(file, { force: true });
    }
  }
  throw new PlayError(`cannot take ${file}`, { code: 'E_LOCKED' });
}
