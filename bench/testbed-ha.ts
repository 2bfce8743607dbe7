// The testbed's figures for BENCHMARKS.md (root only): playbooks/ha-cluster.yaml's wall time on
// the testbed against the lab (same topology), and how long the API is gone through the VIP when
// the MASTER load balancer is lost — keepalived stopped (SIGTERM, what `systemctl stop` sends) or
// the whole LB namespace's network cut — from the loss until /healthz answers through the VIP
// again, the median of 5 of each.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startLab } from '../lab/index.js';
import { startTestbed, type RunningTestbed } from '../testbed/index.js';
import { apiAnswers, vipCarriers } from '../testbed/probe.js';
import { median, timeCli } from './measure.js';

const exec = promisify(execFile);
const PLAYBOOK = new URL('../../playbooks/ha-cluster.yaml', import.meta.url).pathname;
const TOPOLOGY = { controlPlanes: 2, workers: 2, lbs: 2 } as const;
const FAILOVERS = 5;

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting until ${what}`);
    await delay(10);
  }
}

/** Milliseconds from `lose()` until the API answers through the VIP again (from another LB). */
async function outage(tb: RunningTestbed, master: string, lose: () => Promise<void>): Promise<number> {
  const lbs = tb.nodes.filter((n) => n.role === 'lb');
  const started = performance.now();
  await lose();
  // the old MASTER must have let go first, or its last answer would count
  await until('the MASTER lets the VIP go', async () => !(await vipCarriers('ip', tb.net.vip, lbs)).includes(master) || !(await apiAnswers(tb.net.vip, 8443, 200)));
  await until('the API answers through the VIP', () => apiAnswers(tb.net.vip, 8443, 300));
  return performance.now() - started;
}

async function settle(tb: RunningTestbed, master: string): Promise<void> {
  const lbs = tb.nodes.filter((n) => n.role === 'lb');
  await until('the VIP is back on the MASTER alone', async () => (await vipCarriers('ip', tb.net.vip, lbs)).join() === master && (await apiAnswers(tb.net.vip, 8443)));
  await delay(1500); // a few VRRP adverts: the BACKUP has settled as BACKUP
}

function exited(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie has exited
  } catch {
    return true;
  }
}

export interface TestbedFigures {
  rows: string[];
}

export async function testbedFigures(dir: string): Promise<TestbedFigures> {
  const rows: string[] = [];
  const tb = await startTestbed({ dir: join(dir, 'testbed'), ...TOPOLOGY });
  try {
    const onTestbed = await timeCli(['run', PLAYBOOK, '-i', tb.inventoryFile, '--quiet', '--keep-ssh', '--state', join(dir, 'tb.state.json')], dir);
    const lab = await startLab({ dir: join(dir, 'ha-lab'), ...TOPOLOGY });
    let onLab;
    try {
      onLab = await timeCli(['run', PLAYBOOK, '-i', lab.inventoryFile, '--quiet', '--keep-ssh', '--state', join(dir, 'lab.state.json')], dir);
    } finally {
      await lab.stop();
    }
    rows.push(`| ha-cluster.yaml, ${TOPOLOGY.controlPlanes + 1} control planes, ${TOPOLOGY.workers} workers, ${TOPOLOGY.lbs} LBs (wall) | ${(onTestbed.ms / 1000).toFixed(1)} s | ${(onLab.ms / 1000).toFixed(1)} s |`);

    const lbs = tb.nodes.filter((n) => n.role === 'lb');
    const [master] = await vipCarriers('ip', tb.net.vip, lbs);
    if (!master) throw new Error('bench: no LB carries the VIP after the run');
    const masterNs = lbs.find((l) => l.name === master)!.netns;
    const pidFile = join(tb.dir, 'nodes', master, 'run/keepalived.pid');

    const stopped: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      stopped.push(
        await outage(tb, master, async () => {
          process.kill(pid, 'SIGTERM');
        }),
      );
      // (systemd would see it exit before a start; so does the stand-in's systemctl)
      await until('the stopped keepalived has exited', async () => exited(pid));
      const r = await tb.exec(master, ['systemctl', 'start', 'keepalived']);
      if (r.code !== 0) throw new Error(`bench: keepalived did not start again: ${r.stderr}`);
      await settle(tb, master);
    }
    const cut: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      cut.push(await outage(tb, master, async () => void (await exec('ip', ['-n', masterNs, 'link', 'set', 'eth0', 'down']))));
      await exec('ip', ['-n', masterNs, 'link', 'set', 'eth0', 'up']);
      await settle(tb, master);
    }
    const fmt = (all: number[]) => `${(median(all) / 1000).toFixed(2)} s (${all.map((v) => (v / 1000).toFixed(2)).join(', ')})`;
    rows.push(`| VIP answers again after the MASTER's keepalived stops (SIGTERM) | ${fmt(stopped)} | simulated: instant |`);
    rows.push(`| VIP answers again after the MASTER's network is cut | ${fmt(cut)} | simulated: instant |`);
  } finally {
    await tb.down();
  }
  return { rows };
}

// `node dist/bench/testbed-ha.js`: these rows alone (the full `npm run bench` writes them too).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(join(tmpdir(), 'podsec-play-bench-testbed-'));
  try {
    for (const row of (await testbedFigures(dir)).rows) console.log(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
