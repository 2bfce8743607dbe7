// The testbed's nodes are real: each a network namespace on a bridge with its own address, its
// own /etc (written by the real useradd), its own hostname, a real sshd that podsec-play reaches
// with strict host keys, and a stand-in systemctl that stops that sshd for real. `testbed up` on
// a used DIR is refused (exit 3); `down` leaves no namespace, link or process; a later `up`
// boots the same nodes, sealed ones sealed. A fresh testbed passes cluster.yaml's preflight untouched.
// Root only: the suite fails, never skips, without it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { waitPort } from '../../testbed/sshd.js';
import { commOf, linkExists, netnsList, netnsPids, nodeActions, processesIn, readTestbedRecord, requireTestbedHost, testbedWorkdir, waitUntil } from './helpers.js';
import { onlyReads } from '../helpers/reading.js';

const REPO = join(import.meta.dirname, '../..');

const run = promisify(execFile);
afterEach(() => stopStrayProcesses());

const PROBE = `name: probe
phases:
  - name: probe
    hosts: all
    steps:
      - id: whoami
        uses: shell
        with:
          run: |
            {
              echo "host=$(hostname) parent=$(cat /proc/$PPID/comm) addr=$(ip -o -4 addr show dev eth0 | awk '{print $4}')"
              useradd -m probe-$(hostname)
              echo "tmp=$(ls /tmp | tr '\\n' ' ')passwd=$(grep -c '^probe-' /etc/passwd)"
              echo "sshd=$(systemctl is-active sshd)"
            } > /root/probe.txt
`;

const SEAL_WORKER = `name: seal-worker
phases:
  - name: seal
    hosts: [worker]
    steps:
      - id: off
        uses: shell
        with:
          run: systemctl disable --now sshd && echo sealed
`;

/** What `ls /tmp` lists in a node whose DIR is under `work`: the first directory of the way there
 * when it is under /tmp (bound at its own path), else nothing. */
function shownInTmp(work: string): string {
  const rel = relative('/tmp', work);
  return rel.startsWith('..') ? '' : `${rel.split(sep)[0]} `;
}

describe('testbed up, the nodes, and down', () => {
  const { work, dir } = testbedWorkdir();
  beforeAll(() => {
    requireTestbedHost();
    mkdirSync(dir, { recursive: true });
  });

  it('makes each node a namespace with its own address, hostname and /etc, served by a real sshd', async () => {
    const up = await runCli(['testbed', 'up', '--dir', dir, '--workers', '1'], { timeoutMs: 120_000 });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/cp-1 +master +10\.213\.\d+\.11 +netns pptb\d+-cp-1/);
    expect(up.stdout).toContain('testbed ready');
    const record = readTestbedRecord(dir)!;
    const [cp, worker] = record.nodes;
    expect(netnsList()).toEqual(expect.arrayContaining([cp!.netns, worker!.netns]));
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toMatch(new RegExp(`^${cp!.address.replace(/\./g, '\\.')} ssh-ed25519 `, 'm'));
    const inventory = readFileSync(join(dir, 'inventory.yaml'), 'utf8');
    expect(inventory).toContain(`address: ${worker!.address}\n    port: 22`);

    // A fresh testbed passes cluster.yaml's preflight, read-only: the stand-ins it ran only read
    // (the real programs it ran — ip, ss, df, hostname… — are the node's own and change nothing).
    const inventoryFile = join(dir, 'inventory.yaml');
    const pre = await runCli(['preflight', join(REPO, 'playbooks/cluster.yaml'), '-i', inventoryFile, '--json'], { cwd: work, timeoutMs: 120_000 });
    expect(pre.code, pre.stdout + pre.stderr).toBe(0);
    const report = JSON.parse(pre.stdout) as { results: { host: string; status: string }[] };
    expect(new Set(report.results.map((r) => r.host))).toEqual(new Set([cp!.name, worker!.name]));
    expect(report.results.filter((r) => r.status !== 'ok')).toEqual([]);
    for (const n of [cp!, worker!]) {
      const writes = nodeActions(dir, n.name).filter((a) => !onlyReads(a.argv)).map((a) => a.argv.join(' '));
      expect(writes, n.name).toEqual([]);
    }

    writeFileSync(join(work, 'probe.yaml'), PROBE);
    const probe = await runCli(['run', join(work, 'probe.yaml'), '-i', join(dir, 'inventory.yaml'), '--plain'], { cwd: work, timeoutMs: 120_000 });
    expect(probe.code, probe.stdout + probe.stderr).toBe(0);
    for (const n of [cp!, worker!]) {
      // (the node's /root is DIR/nodes/NAME/root)
      const seen = readFileSync(join(dir, 'nodes', n.name, 'root/probe.txt'), 'utf8');
      expect(seen).toContain(`host=${n.name} parent=sshd addr=${n.address}/24\n`);
      // its own /tmp (holding only the way to DIR, bound at its path) and only its own users
      expect(seen).toContain(`tmp=${shownInTmp(work)}passwd=1\n`);
      expect(seen).toContain('sshd=active\n');
      // the real useradd wrote the node's own /etc, not the host's
      expect(readFileSync(join(dir, 'nodes', n.name, 'etc/passwd'), 'utf8')).toMatch(new RegExp(`^probe-${n.name}:`, 'm'));
      expect(existsSync(join(dir, 'nodes', n.name, `home/probe-${n.name}`))).toBe(true);
    }
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('probe-cp-1');
    expect(processesIn(cp!.netns, 'sshd').length).toBeGreaterThan(0);
  });

  it('stops the real sshd with systemctl: the command still ends, then the port refuses and no sshd is left', async () => {
    const [, worker] = readTestbedRecord(dir)!.nodes;
    writeFileSync(join(work, 'seal.yaml'), SEAL_WORKER);
    const seal = await runCli(['run', join(work, 'seal.yaml'), '-i', join(dir, 'inventory.yaml'), '--plain'], { cwd: work, timeoutMs: 120_000 });
    expect(seal.code, seal.stdout + seal.stderr).toBe(0);
    expect(seal.stdout).toContain('sealed');
    expect(await waitPort(worker!.address, 22, false, 5000)).toBe(true);
    await waitUntil('no sshd is left in the worker', () => processesIn(worker!.netns, 'sshd').length === 0);
    const unit = JSON.parse(readFileSync(join(dir, 'nodes/worker-1/var/lib/lab/systemd/sshd.json'), 'utf8')) as { enabled: boolean; active: boolean };
    expect(unit).toMatchObject({ enabled: false, active: false });
  });

  it('refuses a second up on the DIR (exit 3); down removes every namespace, link and process; up again boots the nodes, the sealed one sealed', async () => {
    const second = await runCli(['testbed', 'up', '--dir', dir], { timeoutMs: 60_000 });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain('already up');

    const record = readTestbedRecord(dir)!;
    const pids = record.nodes.flatMap((n) => netnsPids(n.netns));
    expect(pids.map(commOf)).toEqual(expect.arrayContaining(['sleep', 'sshd']));
    const down = await runCli(['testbed', 'down', '--dir', dir], { timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('is down');
    expect(netnsList().filter((n) => n.startsWith(`${record.net.bridge}-`))).toEqual([]);
    expect(linkExists(record.net.bridge)).toBe(false);
    for (const n of record.nodes) expect(linkExists(n.hostVeth)).toBe(false);
    expect(pids.filter((p) => existsSync(`/proc/${p}`) && !/ Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8')))).toEqual([]);
    expect((await runCli(['testbed', 'down', '--dir', dir])).stdout).toContain('no testbed is up');

    const again = await runCli(['testbed', 'up', '--dir', dir], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    const [cp, worker] = readTestbedRecord(dir)!.nodes;
    expect(cp!.address).toBe(record.nodes[0]!.address);
    expect(await waitPort(cp!.address, 22, true, 5000)).toBe(true);
    expect(await waitPort(worker!.address, 22, false, 1000)).toBe(true);
    expect(processesIn(worker!.netns, 'sshd')).toEqual([]);
  });
});

describe('refusals', () => {
  it('refuses without root, with a clear message', async () => {
    const { dir } = testbedWorkdir();
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'testbed', 'up', '--dir', dir]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toContain('the testbed needs root');
    expect((r as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });

  it('a failed up removes what it had made', async () => {
    requireTestbedHost();
    const { work } = testbedWorkdir();
    const dir = join(work, 'a,b'); // overlayfs cannot take this path as a layer
    const r = await runCli(['testbed', 'up', '--dir', dir], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('choose another --dir');
    const record = readTestbedRecord(dir)!;
    expect(linkExists(record.net.bridge)).toBe(false);
    expect(netnsList().filter((n) => n.startsWith(`${record.net.bridge}-`))).toEqual([]);
  });
});
