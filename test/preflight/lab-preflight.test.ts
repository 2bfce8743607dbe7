// `podsec-play preflight` and the preflight at the start of `run`, on real lab nodes through the
// compiled CLI: a fresh lab passes and is left untouched (only reading programs in every
// actions.log, every node file as it was); keepalived then comes up on each LB's own interface
// with no inventory setting; and a lab broken in every way the checks know is refused by both,
// with the host, the reason and the fix for each, before anything changes.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PlayEvent, PreflightResultEvent } from '../../engine/events/types.js';
import { readJournal } from '../../engine/journal/journal.js';
import { startLab, type RunningLab } from '../../lab/index.js';
import { parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { editHost, nodeFilePath, readNodeFile, removeNodeFile, removePackage, writeNodeFile } from '../helpers/lab-host.js';
import { onlyReads } from '../helpers/reading.js';
import { workdir } from '../helpers/workdir.js';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

afterEach(stopStrayProcesses);

const labs: RunningLab[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const lab of labs) await lab.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// The shipped playbooks read no secret from this process's environment.
for (const key of Object.keys(process.env)) if (/^PODSEC_SECRET_/.test(key)) delete process.env[key];

const playbook = (name: string) => fileURLToPath(new URL(`../../playbooks/${name}.yaml`, import.meta.url));

async function newLab(counts: { controlPlanes: number; workers: number; lbs: number }): Promise<{ work: string; lab: RunningLab }> {
  const work = workdir('podsec-preflight-');
  dirs.push(work);
  const lab = await startLab({ readyDelayMs: 100, ...counts, dir: join(work, 'lab') });
  labs.push(lab);
  return { work, lab };
}

/** Every node file (but actions.log) with its size and modification time. */
function snapshot(lab: RunningLab): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name !== 'actions.log') {
        const s = statSync(p);
        out[relative(lab.dir, p)] = `${s.size}:${s.mtimeMs}`;
      }
    }
  };
  walk(join(lab.dir, 'nodes'));
  return out;
}

function actionLines(lab: RunningLab, node: string): { argv: string[] }[] {
  const file = join(lab.dir, 'nodes', node, 'actions.log');
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { argv: string[] });
  } catch {
    return [];
  }
}

/** The lab's own /24 (`127.A.B`), escaped for a regular expression. */
const net = (lab: RunningLab): string => lab.subnet.replace(/\./g, '\\.');

function changes(lab: RunningLab): string[] {
  return lab.nodes.flatMap((n) => actionLines(lab, n.name).filter((a) => !onlyReads(a.argv)).map((a) => `${n.name}: ${a.argv.join(' ')}`));
}

describe('a fresh lab', () => {
  it('passes preflight and is left untouched; keepalived then runs on each LB\'s own interface, no inventory setting', async () => {
    const { work, lab } = await newLab({ controlPlanes: 1, workers: 1, lbs: 2 });
    editHost(lab, 'lb-2', { interface: 'enp0s8' }); // a node whose NIC has another name
    const before = snapshot(lab);

    const table = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile], { cwd: work });
    expect(table.code, table.stdout + table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^✔ \d+ checks on 5 hosts: all passed \(\d+\.\ds\)\. Nothing was changed\.$/m);
    expect(table.stdout).toMatch(new RegExp(`^lb-2 +keepalived-interface +ok +enp0s8 \\(holds ${net(lab)}\\.5\\)$`, 'm'));
    const json = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'], { cwd: work });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; results: PreflightResultEvent[]; facts: Record<string, { hostname: string; platform: string }> };
    expect(report.ok).toBe(true);
    expect(report.results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(Object.keys(report.facts).sort()).toEqual(['cp-1', 'cp-2', 'lb-1', 'lb-2', 'worker-1']);
    for (const [name, f] of Object.entries(report.facts)) expect([f.hostname, f.platform]).toEqual([name, 'p10']);

    expect(changes(lab)).toEqual([]);
    for (const n of lab.nodes) expect(actionLines(lab, n.name).length, `${n.name} answered the facts script`).toBeGreaterThanOrEqual(10);
    expect(snapshot(lab)).toEqual(before);
    expect(readdirSync(work)).toEqual(['lab']); // no state, no log: preflight writes nothing here either

    const state = join(work, 'state.json');
    const run = await runCli(['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json', '--keep-ssh', '--state', state], { cwd: work, timeoutMs: 180_000 });
    expect(run.code, run.stderr + run.stdout.slice(-3000)).toBe(0);
    const events = parseEvents(run.stdout);
    const pre = events.findIndex((e) => e.type === 'preflight.finished');
    expect(pre).toBeGreaterThan(0);
    expect(events.findIndex((e) => e.type === 'step.started')).toBeGreaterThan(pre);
    for (const [lb, nic] of [['lb-1', 'ens3'], ['lb-2', 'enp0s8']] as const) {
      const conf = readNodeFile(lab, lb, '/etc/keepalived/keepalived.conf');
      expect(conf).toContain(`    interface ${nic}\n`);
      expect(conf).toContain(`        ${lab.subnet}.100/24\n`);
    }
    // The facts are in the journal: status shows them.
    expect(Object.keys(readJournal(state).facts ?? {}).sort()).toEqual(['cp-1', 'cp-2', 'lb-1', 'lb-2', 'worker-1']);
    const status = await runCli(['status', '--state', state], { cwd: work });
    expect(status.stdout).toMatch(new RegExp(`^lb-2: .*\\n {2}facts \\(.*\\): ALT Server 10\\.2 \\(Mendelevium\\) \\(platform p10\\), kernel 6\\.1\\.130-un-def-alt1 x86_64, hostname lb-2, ${net(lab)}\\.5\\/24 on enp0s8$`, 'm'));
  }, 240_000);
});

describe('a lab broken in every way the checks know', () => {
  it('is refused by preflight and by run, each problem with its host, reason and fix, and nothing changes', async () => {
    const { work, lab } = await newLab({ controlPlanes: 1, workers: 3, lbs: 2 });
    // cp-1: no image archive, a package mirror that does not exist.
    removeNodeFile(lab, 'cp-1', '/var/lib/podsec-play/images/podsec-k8s-images.tar.xz');
    writeNodeFile(lab, 'cp-1', '/etc/apt/sources.list.d/alt.list', 'rpm [p10] http://mirror.invalid/pub/ALTLinux p10/branch/x86_64 classic\n');
    // cp-2: an old kernel, cgroup v1, no user namespaces, cp-1's machine-id (a clone), a subnet without the VIP.
    editHost(lab, 'cp-2', { kernel: '5.10.176-std-def-alt1', cgroup: 'tmpfs', sysctl: { 'user.max_user_namespaces': '0' }, prefix: 26 });
    writeNodeFile(lab, 'cp-2', '/etc/machine-id', readNodeFile(lab, 'cp-1', '/etc/machine-id'));
    // worker-1: swap on; a /32 and no default route (no way to the registry or the API).
    editHost(lab, 'worker-1', { swap: [{ name: '/swapfile', size: '2G' }], prefix: 32, defaultRoute: false });
    // worker-2: the kubelet's port taken, a clock 3 h ahead, 1 GiB free.
    editHost(lab, 'worker-2', { listening: ['tcp:10250:kubelet'], clockSkew: '+3h', varLibAvailable: '1G' });
    // worker-3: podsec-k8s missing, worker-2's hostname, etcd data of another cluster.
    removePackage(lab, 'worker-3', 'podsec-k8s');
    writeNodeFile(lab, 'worker-3', '/etc/hostname', 'worker-2\n');
    mkdirSync(nodeFilePath(lab, 'worker-3', '/var/lib/podsec/u7s/etcd/member'), { recursive: true });
    // lb-1: the inventory names an interface it does not have; something else holds 8443.
    writeFileSync(lab.inventoryFile, readFileSync(lab.inventoryFile, 'utf8').replace(/(\n {4}roles:\n {6}- lb\n)(?=[\s\S]*name: lb-2)/, '$1    vars: { interface: eth0 }\n'));
    editHost(lab, 'lb-1', { listening: ['tcp:8443:nginx'] });
    // lb-2: a /30 that does not hold the VIP; keepalived missing.
    editHost(lab, 'lb-2', { prefix: 30 });
    removePackage(lab, 'lb-2', 'keepalived');

    const expected = [
      'cp-1 image-archive',
      'cp-1 unique-machine-id',
      'cp-1 apt-sources',
      'cp-2 kernel',
      'cp-2 cgroup-v2',
      'cp-2 user-namespaces',
      'cp-2 unique-machine-id',
      'cp-2 vip-subnet',
      'worker-1 registry-route',
      'worker-1 swap-off',
      'worker-1 endpoint-reachable',
      'worker-2 clock',
      'worker-2 unique-hostname',
      'worker-2 disk-var-lib',
      'worker-2 cluster-ports-free',
      'worker-3 package-podsec-k8s',
      'worker-3 hostname',
      'worker-3 unique-hostname',
      'worker-3 kubeadm-state',
      'lb-1 haproxy-port-free',
      'lb-1 keepalived-interface',
      'lb-2 package-keepalived',
      'lb-2 vip-subnet',
    ].sort();
    const reasons: Record<string, RegExp> = {
      'cp-1 image-archive': /no image archive at \/var\/lib\/podsec-play\/images\/podsec-k8s-images\.tar\.xz/,
      'cp-1 apt-sources': /http:\/\/mirror\.invalid\/pub\/ALTLinux did not answer: curl exit 6 \(could not resolve the host\)/,
      'cp-2 kernel': /kernel 5\.10\.176-std-def-alt1 is older than 5\.15/,
      'cp-2 vip-subnet': new RegExp(`the VIP ${net(lab)}\\.100 is outside ${net(lab)}\\.0\\/26, the subnet of cp-2 \\(ens3\\)`),
      'worker-1 swap-off': /swap is on: \/swapfile \(2\.0 GiB\)/,
      'worker-1 registry-route': new RegExp(`no route from worker-1 to the registry host ${net(lab)}\\.1`),
      'worker-2 clock': /the clock is 3h 0m ahead of the controller's/,
      'worker-2 cluster-ports-free': /10250\/tcp by kubelet/,
      'worker-3 hostname': /the hostname is worker-2 but the inventory calls this node worker-3/,
      'worker-3 kubeadm-state': /\/var\/lib\/podsec\/u7s\/etcd\/member/,
      'lb-1 keepalived-interface': /interface eth0 does not exist on lb-1 \(it has lo, ens3\)/,
      'lb-2 vip-subnet': new RegExp(`the VIP ${net(lab)}\\.100 is outside every subnet of ens3 on lb-2 \\(${net(lab)}\\.4\\/30\\)`),
    };
    const before = snapshot(lab);

    // podsec-play preflight: the table, exit 1.
    const table = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile], { cwd: work });
    expect(table.code, table.stderr).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`^✖ \\d+ checks on 7 hosts: ${expected.length} failed \\(\\d+\\.\\ds\\)\\. Nothing was changed\\.$`, 'm'));
    const failedRows = table.stdout.split('\n').filter((l) => / FAILED /.test(l));
    expect(failedRows.map((l) => l.split(/\s+/).slice(0, 2).join(' ')).sort()).toEqual(expected);
    expect(table.stdout.split('\n').filter((l) => /^ +fix: \S/.test(l))).toHaveLength(expected.length);

    // --json: the same, machine-readable.
    const json = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'], { cwd: work });
    expect(json.code).toBe(1);
    const results = (JSON.parse(json.stdout) as { results: PreflightResultEvent[] }).results.filter((r) => r.status === 'failed');
    expect(results.map((r) => `${r.host} ${r.check}`).sort()).toEqual(expected);
    for (const r of results) {
      expect(r.reason, `${r.host} ${r.check}`).toBeTruthy();
      expect(r.fix, `${r.host} ${r.check}`).toBeTruthy();
      const want = reasons[`${r.host} ${r.check}`];
      if (want) expect(r.reason).toMatch(want);
    }

    // An admin may skip a check on one host (a typo is refused): it is reported, it stops nothing.
    const skipped = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json', '--skip-check', 'worker-1/swap-off', '--skip-check', 'cgroup-v2'], { cwd: work });
    const after = (JSON.parse(skipped.stdout) as { results: PreflightResultEvent[] }).results;
    expect(after.filter((r) => r.status === 'skipped').map((r) => `${r.host} ${r.check}`).sort()).toEqual(
      ['worker-1 swap-off', ...['cp-1', 'cp-2', 'worker-1', 'worker-2', 'worker-3'].map((h) => `${h} cgroup-v2`)].sort(),
    );
    expect(after.filter((r) => r.status === 'failed')).toHaveLength(expected.length - 2);
    const typo = await runCli(['preflight', playbook('ha-cluster'), '-i', lab.inventoryFile, '--skip-check', 'swapoff'], { cwd: work });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--skip-check swapoff: no step kind declares a check "swapoff" (known: ');

    // run: the same checks first; it stops before its first change.
    const state = join(work, 'state.json');
    const run = await runCli(['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json', '--state', state], { cwd: work, timeoutMs: 120_000 });
    expect(run.code).toBe(1);
    const events = parseEvents(run.stdout);
    expect(events.filter((e) => e.type === 'step.started')).toEqual([]);
    const pre = events.find((e) => e.type === 'preflight.finished') as Extract<PlayEvent, { type: 'preflight.finished' }>;
    expect(pre.ok).toBe(false);
    expect(pre.results.filter((r) => r.status === 'failed').map((r) => `${r.host} ${r.check}`).sort()).toEqual(expected);
    const failed = events.find((e) => e.type === 'run.failed') as Extract<PlayEvent, { type: 'run.failed' }>;
    expect(failed.failures.map((f) => `${f.host} ${f.step.replace('preflight/', '')}`).sort()).toEqual(expected);
    for (const f of failed.failures) expect(f.message).toMatch(/ \(fix: \S/);
    expect(run.stderr).toContain('podsec-play: failed: worker-1 preflight/swap-off: swap is on');
    const journal = readJournal(state);
    expect(Object.values(journal.steps).every((s) => s.status === 'pending' && s.attempts === 0)).toBe(true);
    expect(Object.keys(journal.facts ?? {})).toHaveLength(7);

    expect(changes(lab)).toEqual([]);
    expect(snapshot(lab)).toEqual(before);
  }, 240_000);
});
