// `npm run bench`: podsec-play against the floor (bare ssh2, a plain shell loop) per step, with
// steps in parallel on one connection, and at scale (hundreds of lab hosts from one controller:
// CPU per host-step, wall time, peak memory, the cost of resuming), plus Ansible where installed.
// Writes BENCHMARKS.md. Run as root for the real-sshd rows (it starts its own sshd on 127.0.0.2).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { factsScript } from '../engine/facts/script.js';
import { startBed } from '../test/helpers/openssh.js';
import { ansibleSetup, findAnsible, timeAnsible } from './ansible.js';
import { bareFanOut, bareInFlight, bareLoop, type BareTarget } from './bare-ssh-loop.js';
import { engineOverhead } from './engine-overhead.js';
import { inputLimitRows } from './input-limits.js';
import { testbedFigures } from './testbed-ha.js';
import { MAX_INPUT_BYTES } from '../engine/load/yaml-limits.js';
import { startLabChild, type LabChild } from './lab-child.js';
import { median, repeat, timeCli, timeShell, type Timed } from './measure.js';
import { transportLoop } from './transport-loop.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
/** The per-step rows are differences of two runs on a machine whose speed drifts: more of them. */
const STEP_REPS = Number(process.env.BENCH_STEP_REPS ?? 7);
/** Per step: runs of N and 2N steps; the difference is N steps without start-up or handshake. */
const N = Number(process.env.BENCH_STEPS ?? 200);
/** Hosts for CPU per host-step, and for the big fan-out. */
const SCALE_HOSTS = Number(process.env.BENCH_SCALE_HOSTS ?? 500);
const CPU_HOSTS = Math.min(200, SCALE_HOSTS);
const OUT = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
/** Only these parts (comma-separated: engine, local, lab, sshd, scale, limits, testbed), printed
 * and not written to BENCHMARKS.md: for measuring one change quickly. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const part = (name: string) => !ONLY || ONLY.includes(name);

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const mib = (kib: number | undefined) => `${((kib ?? 0) / 1024).toFixed(0)} MiB`;
const log = (line: string) => console.log(line);

function playbook(dir: string, name: string, steps: number, hosts: string, step: (i: number) => string = () => 'with: { run: "true" }'): string {
  const file = join(dir, `${name}.yaml`);
  const list = Array.from({ length: steps }, (_, i) => `      - { id: s${i}, uses: shell, ${step(i)} }`).join('\n');
  writeFileSync(file, `name: ${name}\nphases:\n  - name: main\n    hosts: ${hosts}\n    steps:\n${list}\n`);
  return file;
}

let runs = 0;
function cli(dir: string, pb: string, inv: string, extra: string[] = []): Promise<Timed> {
  return timeCli(['run', pb, '-i', inv, '--quiet', '--fresh', '--state', join(dir, `state-${runs++}.json`), ...extra], dir);
}

interface PerStep {
  wall: number;
  cpu: number;
  /** The same difference taken inside the runs, from the first step's start to the last step's
   * end (the events' times in the log): loading, connecting and the facts left out. */
  inRun: number;
}

/** Milliseconds from the first step.started to the last step.succeeded in a run's log. */
function stepSpan(logFile: string): number {
  const times = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"step.'))
    .map((l) => JSON.parse(l) as { type: string; ts: string })
    .filter((e) => e.type === 'step.started' || e.type === 'step.succeeded')
    .map((e) => Date.parse(e.ts));
  return Math.max(...times) - Math.min(...times);
}

/** Median over STEP_REPS of (2N-step run − N-step run) / N, wall and CPU, the two run back to back,
 * each repetition followed by the floor's own (ms per exec), so that a machine whose speed drifts
 * between repetitions moves both: the ratios are the medians of each repetition's ratio. */
async function perStep(dir: string, name: string, hosts: string, inv: string, floorOf: () => Promise<number>, step?: (i: number) => string): Promise<PerStep & Floored> {
  const small = playbook(dir, `${name}-${N}`, N, hosts, step);
  const big = playbook(dir, `${name}-${2 * N}`, 2 * N, hosts, step);
  const walls: number[] = [];
  const cpus_: number[] = [];
  const inRun: number[] = [];
  const floors: number[] = [];
  const ratios: number[] = [];
  const inRunRatios: number[] = [];
  for (let r = 0; r < STEP_REPS; r++) {
    const logA = join(dir, `${name}-${r}-a.log`);
    const logB = join(dir, `${name}-${r}-b.log`);
    const a = await cli(dir, small, inv, ['--log-file', logA]);
    const b = await cli(dir, big, inv, ['--log-file', logB]);
    const floor = await floorOf();
    walls.push((b.ms - a.ms) / N);
    cpus_.push(((b.cpuMs ?? 0) - (a.cpuMs ?? 0)) / N);
    inRun.push((stepSpan(logB) - stepSpan(logA)) / N);
    floors.push(floor);
    ratios.push(walls.at(-1)! / floor);
    inRunRatios.push(inRun.at(-1)! / floor);
  }
  return { wall: median(walls), cpu: median(cpus_), inRun: median(inRun), floor: median(floors), ratio: median(ratios), inRunRatio: median(inRunRatios) };
}

interface Floored {
  floor: number;
  ratio: number;
  inRunRatio: number;
}

const times = (r: number) => `${r.toFixed(2)}×`;

/** One floor measurement: 2N bare execs, ms per exec. */
const floorOnce = (target: BareTarget, inFlight = 1) => async (): Promise<number> =>
  (inFlight === 1 ? await bareLoop(target, 2 * N) : await bareInFlight(target, 2 * N, inFlight)) / (2 * N);

async function floorPerExec(target: BareTarget, inFlight = 1): Promise<number> {
  const all: number[] = [];
  for (let r = 0; r < REPS; r++) all.push(await floorOnce(target, inFlight)());
  return median(all);
}

const perStepRows: string[] = [];
const parallelRows: string[] = [];
const scaleRows: string[] = [];
const notes: string[] = [];
let limitRows: string[] = [];
let testbedRows: string[] = [];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podsec-play-bench-'));
  const loadBefore = loadavg()[0]!;
  log(`bench in ${dir}, ${REPS} repetitions, median; load average ${loadBefore.toFixed(2)}`);

  // 0. The engine alone: a transport that answers at once (warm-up run first).
  if (part('engine')) {
    await engineOverhead(200);
    const engine = median([await engineOverhead(1000), await engineOverhead(1000), await engineOverhead(1000)]);
    perStepRows.push(`| engine alone (instant transport, in-process) | ${fmt(engine)} | | | | | |`);
    log(perStepRows.at(-1)!);
  }

  // 1. Local transport vs a plain shell loop.
  if (part('local')) {
    const localInv = join(dir, 'local.yaml');
    writeFileSync(localInv, 'cluster: { name: bench }\nhosts:\n  - { name: local, address: 127.0.0.1, transport: local }\n');
    const shellLoop = async () => (await timeShell(`i=0; while [ $i -lt ${2 * N} ]; do /bin/sh -c true; i=$((i+1)); done`)).ms / (2 * N);
    const local = await perStep(dir, 'local', 'all', localInv, shellLoop);
    perStepRows.push(`| local (execa) | ${fmt(local.wall)} | ${fmt(local.inRun)} | ${fmt(local.cpu)} | plain shell loop: ${fmt(local.floor)} | ${times(local.ratio)} | ${times(local.inRunRatio)} |`);
    log(perStepRows.at(-1)!);
  }

  // The lab in a process of its own: its CPU is not podsec-play's.
  if (part('lab') || part('sshd') || part('scale')) {
    const lab = await startLabChild(join(dir, 'lab'), part('scale') ? SCALE_HOSTS : 1);
    try {
      if (part('lab')) await labRows(dir, lab);
      if (part('sshd')) await realSshdRows(dir);
      if (part('scale')) await scale(dir, lab);
    } finally {
      await lab.stop();
    }
  }
  if (part('limits')) {
    limitRows = await inputLimitRows(REPS);
    limitRows.forEach((r) => log(r));
  }
  // The testbed (root): the HA run against the lab's, and VIP failover times.
  if (part('testbed')) {
    testbedRows = process.getuid?.() === 0 ? (await testbedFigures(dir)).rows : ['| testbed | not measured: needs root | |'];
    testbedRows.forEach((r) => log(r));
  }
  const loadAfter = loadavg()[0]!;
  if (!ONLY) writeReport(loadBefore, loadAfter);
  rmSync(dir, { recursive: true, force: true });
}

async function labRows(dir: string, lab: LabChild): Promise<void> {
  const one = lab.subset(1);
  const node = lab.workers[0]!;
  const target: BareTarget = { host: '127.0.0.1', port: node.port, username: 'root', privateKeyFile: lab.identityFile };
  const steps = await perStep(dir, 'lab', '[worker]', one, floorOnce(target));
  const floor = steps.floor;
  perStepRows.push(`| lab node (ssh2 server, own process) | ${fmt(steps.wall)} | ${fmt(steps.inRun)} | ${fmt(steps.cpu)} | bare ssh2 loop: ${fmt(floor)} | ${times(steps.ratio)} | ${times(steps.inRunRatio)} |`);
  log(perStepRows.at(-1)!);
  const viaTransport = await repeat(REPS, async () => ({ ms: await transportLoop(one, node.name, 2 * N) }));
  perStepRows.push(`| lab node, SSH transport alone (in-process, no engine) | | ${fmt(viaTransport.ms / (2 * N))} | | bare ssh2 loop: ${fmt(floor)} | | ${ratio(viaTransport.ms / (2 * N), floor)} |`);
  log(perStepRows.at(-1)!);

  // Parallel steps: one group of N (2N) steps marked parallel, against 10 commands in flight.
  const par = await perStep(dir, 'parallel', '[worker]', one, floorOnce(target, 10), () => 'parallel: true, with: { run: "true" }');
  const floor8 = await floorPerExec(target, 8);
  parallelRows.push(
    `| lab node | ${fmt(par.wall)} | ${fmt(par.inRun)} | ${fmt(par.cpu)} | ${fmt(par.floor)} | ${times(par.ratio)} | ${times(par.inRunRatio)} | ${fmt(floor8)} | ${fmt(steps.wall)} |`,
  );
  log(parallelRows.at(-1)!);
}

async function realSshdRows(dir: string): Promise<void> {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) {
    perStepRows.push('| real OpenSSH sshd | not measured: needs root and /usr/sbin/sshd | | | | | |');
    notes.push('Ansible: not measured (no real sshd here: needs root and /usr/sbin/sshd).');
    return;
  }
  const bed = await startBed('127.0.0.2');
  try {
    const inv = join(dir, 'sshd.yaml');
    writeFileSync(
      inv,
      `cluster: { name: bench }\nssh: { identityFile: ${bed.key.privatePath}, knownHosts: ${bed.knownHosts} }\nhosts:\n  - { name: sshd, address: 127.0.0.2, port: ${bed.sshd.port}, roles: [worker] }\n`,
    );
    const target: BareTarget = { host: '127.0.0.2', port: bed.sshd.port, username: 'root', privateKeyFile: bed.key.privatePath };
    const steps = await perStep(dir, 'real', '[worker]', inv, floorOnce(target));
    const floor = steps.floor;
    perStepRows.push(`| real OpenSSH sshd | ${fmt(steps.wall)} | ${fmt(steps.inRun)} | ${fmt(steps.cpu)} | bare ssh2 loop: ${fmt(floor)} | ${times(steps.ratio)} | ${times(steps.inRunRatio)} |`);
    log(perStepRows.at(-1)!);

    const ansible = findAnsible();
    if (!ansible) {
      perStepRows.push('| Ansible (pipelining, ControlPersist) | not measured: ansible-playbook is not installed | | | | | |');
      return;
    }
    const tasks = 20;
    const small = ansibleSetup(join(dir, 'ansible'), { address: '127.0.0.2', port: bed.sshd.port, keyFile: bed.key.privatePath, knownHosts: bed.knownHosts }, tasks);
    const big = ansibleSetup(join(dir, 'ansible'), { address: '127.0.0.2', port: bed.sshd.port, keyFile: bed.key.privatePath, knownHosts: bed.knownHosts }, 2 * tasks);
    const per: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const a = await timeAnsible(ansible, small.playbook, small.inventory, small.env);
      const b = await timeAnsible(ansible, big.playbook, big.inventory, big.env);
      per.push((b.ms - a.ms) / tasks);
    }
    const perTask = median(per);
    perStepRows.push(`| Ansible (pipelining, ControlPersist), same sshd, ${tasks} vs ${2 * tasks} tasks | ${fmt(perTask)} | | | bare ssh2 loop: ${fmt(floor)} | ${ratio(perTask, floor)} | |`);
    notes.push(`Ansible: ${ratio(perTask, steps.wall)} podsec-play's time per step on the same sshd.`);
    log(perStepRows.at(-1)!);
  } finally {
    await bed.stop();
  }
}

async function scale(dir: string, lab: LabChild): Promise<void> {
  const targets = (n: number): BareTarget[] => lab.workers.slice(0, n).map((w) => ({ host: '127.0.0.1', port: w.port, username: 'root', privateKeyFile: lab.identityFile }));
  const facts = factsScript({ internalAddress: '127.0.0.1', apt: false, paths: [] });
  const ten = playbook(dir, 'fan10', 10, '[worker]');
  const twenty = playbook(dir, 'fan20', 20, '[worker]');

  // CPU per host-step at CPU_HOSTS hosts: (20 steps − 10 steps) / (hosts × 10).
  const cpuInv = lab.subset(CPU_HOSTS);
  const perHostStep: number[] = [];
  const wallPerHostStep: number[] = [];
  let cpu10: Timed | undefined;
  for (let r = 0; r < REPS; r++) {
    const a = await cli(dir, ten, cpuInv);
    const b = await cli(dir, twenty, cpuInv);
    cpu10 ??= a;
    perHostStep.push(((b.cpuMs ?? 0) - (a.cpuMs ?? 0)) / (CPU_HOSTS * 10));
    wallPerHostStep.push((b.ms - a.ms) / 10);
  }
  scaleRows.push(`cpu|${CPU_HOSTS}|${fmt(median(perHostStep))}|${fmt(median(wallPerHostStep))}`);
  log(`CPU per host-step at ${CPU_HOSTS} hosts: ${fmt(median(perHostStep))}`);

  // Wall time and peak memory as hosts grow, against the bare fan-out floor.
  for (const hosts of [...new Set([1, 50, CPU_HOSTS, SCALE_HOSTS])]) {
    const inv = lab.subset(hosts);
    const t = await repeat(REPS, () => cli(dir, ten, inv));
    const floor = await repeat(REPS, async () => ({ ms: await bareFanOut(targets(hosts), 10, facts) }));
    scaleRows.push(`| ${hosts} | ${fmt(t.ms)} | ${fmt(t.cpuMs ?? 0)} | ${mib(t.rssKiB)} | ${fmt(floor.ms)} | ${ratio(t.ms, floor.ms)} |`);
    log(scaleRows.at(-1)!);
  }

  // Resume: a run of SCALE_HOSTS hosts that failed at step 5 on every host, run again.
  const gate = '/tmp/podsec-play-bench-go';
  const resumePb = playbook(dir, 'resume', 10, '[worker]', (i) => `with: { run: "${i === 5 ? `test -e ${gate}` : 'true'}" }`);
  const inv = lab.subset(SCALE_HOSTS);
  const firstAction: number[] = [];
  const firstStep: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const state = join(dir, `resume-${r}.json`);
    for (const w of lab.workers.slice(0, SCALE_HOSTS)) rmSync(join(lab.dir, 'nodes', w.name, gate), { force: true });
    await timeCli(['run', resumePb, '-i', inv, '--quiet', '--fresh', '--state', state], dir).then(
      () => {
        throw new Error('the run meant to fail at step 5 succeeded');
      },
      () => undefined,
    );
    for (const w of lab.workers.slice(0, SCALE_HOSTS)) writeFileSync(join(lab.dir, 'nodes', w.name, gate), '');
    const logFile = join(dir, `resume-${r}.log`);
    const connections = join(lab.dir, 'connections.log');
    const seen = readFileSync(connections, 'utf8').length;
    const t = await timeCli(['run', resumePb, '-i', inv, '--quiet', '--state', state, '--log-file', logFile], dir);
    const conns = readFileSync(connections, 'utf8').slice(seen).split('\n').filter(Boolean).map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
    const started = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type?: string; time: string })
      .find((e) => e.type === 'step.started');
    firstAction.push(Math.min(...conns) - t.startedAt!);
    firstStep.push(Date.parse(started!.time) - t.startedAt!);
  }
  scaleRows.push(`resume|${SCALE_HOSTS}|${fmt(median(firstAction))}|${fmt(median(firstStep))}`);
  log(`resume of ${SCALE_HOSTS} hosts: first connection after ${fmt(median(firstAction))}, first step started after ${fmt(median(firstStep))}`);
}

function writeReport(loadBefore: number, loadAfter: number): void {
  const cpuRow = scaleRows.find((r) => r.startsWith('cpu|'))!.split('|');
  const resumeRow = scaleRows.find((r) => r.startsWith('resume|'))?.split('|');
  const fanRows = scaleRows.filter((r) => r.startsWith('| '));
  const text = `# Benchmarks

Measured by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadBefore.toFixed(1)} at the start and
${loadAfter.toFixed(1)} at the end (the machine is shared: other work ran on the same cores). Each
figure is the median of ${REPS} runs (\`BENCH_REPS\` changes it; the per-step rows, differences of two runs, of
${STEP_REPS}: \`BENCH_STEP_REPS\`). Every podsec-play figure is a real
CLI run as a child process (\`--quiet\`, a fresh state file each time, the journal appended at every
step transition and synced at phase boundaries); *CPU* is that process's user + system time.
The lab runs in a process of its own (bench/lab-process.ts, ${SCALE_HOSTS} worker nodes) with the
stand-in programs replaced by stubs that answer "not found", so the facts script every run sends
first costs the lab milliseconds (it tolerates missing programs) instead of nine Node start-ups.

## Per step: podsec-play against the floor

Steps of \`true\` on one host. *Per step* = (wall of a ${2 * N}-step run − wall of a ${N}-step run) / ${N},
so CLI start-up and the SSH handshake are not spread over the steps; reading and checking the
longer playbook stays in it (the YAML library reads ~1 MB/s: ~0.1 ms per step line). *In the run*
takes the same difference between the first step's start and the last step's end (the events'
times in each run's log), so it leaves the loading out: it is the cost of running a step. The floor
sends the same commands one after another over one connection (ssh2, \`setNoDelay\`), or, locally, a
shell loop of \`/bin/sh -c true\`. Each repetition runs N steps, 2N steps, then the floor, so a
machine whose speed drifts moves both; a ratio is the median of the repetitions' ratios. Aim:
within 1.3× of the floor.

| target | podsec-play per step | in the run | CPU per step | floor per step | ratio | ratio in the run |
|---|---|---|---|---|---|---|
${perStepRows.join('\n')}

${notes.join('\n')}

## Steps in parallel on one connection (opt-in)

One group of ${N} (${2 * N}) steps marked \`parallel: true\` on one lab node; per step as above. The
transport keeps at most 8 commands in flight on a connection (sshd's MaxSessions is 10, one is
kept for SFTP); the floor is bare ssh2 with 10 commands in flight on one connection (and 8).

| target | podsec-play per step | in the run | CPU per step | floor, 10 in flight | ratio | ratio in the run | floor, 8 in flight | the same steps one by one |
|---|---|---|---|---|---|---|---|---|
${parallelRows.join('\n')}

## Scale: many hosts from one controller

**Controller CPU per host-step** at ${cpuRow[1]} lab hosts: (CPU of a 20-step run − CPU of a 10-step run)
/ (${cpuRow[1]} × 10) = **${cpuRow[2]}** (aim ≤ 1 ms; handshakes, facts and start-up cancel out). The
wall time those ${cpuRow[1]} × 10 host-steps added: ${cpuRow[3]} per step of the playbook.

**Fan-out**: 10 steps on every host; hosts in parallel, one connection each. Peak memory is the
podsec-play process's maximum resident set size. The floor does the same work with bare ssh2 in
one process: every host at once, handshake, the facts script, then the 10 commands.
Aims: ${SCALE_HOSTS} hosts under 250 MB, wall within 1.5× of the floor.

| hosts | podsec-play wall | CPU | peak memory | bare ssh2 floor (wall) | ratio |
|---|---|---|---|---|---|
${fanRows.join('\n')}

**Resume** of a ${SCALE_HOSTS}-host run that failed at step 6 of 10 on every host (the same command
again): its first new action — the first connection, for the facts every run gathers first — came
${resumeRow?.[2] ?? 'n/a'} after the command started, and the first step started ${resumeRow?.[3] ?? 'n/a'} after it
(after the facts of all ${SCALE_HOSTS} hosts). Aim: the first new action within 2 s.

## Validating the largest input allowed

\`validate\` (a CLI run) on files of exactly MAX_INPUT_BYTES (${MAX_INPUT_BYTES / 1024} KiB, engine/load/yaml-limits.ts), in
the shapes that cost the most per byte; a larger file is refused before it is parsed. CPU is the
CLI process's user + system time. Aim: under a second.

| input (validate) | wall | CPU |
|---|---|---|
${limitRows.join('\n')}

## The testbed: the HA playbook and VIP failover

The same playbook on the testbed (nodes as Linux namespaces on a bridge, real OpenSSH, real
haproxy and keepalived, the lab's API server behind them) and on the lab (one process,
simulated network), with \`--keep-ssh\`. Then the MASTER load balancer is lost 5 times each
way and the time is taken from the loss until \`/healthz\` answers through the VIP again (median,
then every run). keepalived runs with \`advert_int 1\` as ha-cluster.yaml renders it: a stopped
keepalived sends a priority-0 advert and the BACKUP (priority 100) takes over after its skew time,
(256 − 100)/256 ≈ 0.6 s; after a cut the BACKUP waits out three missed adverts plus the skew,
3.6 s after the last advert it heard. On the lab both are instant: its VIP follows the units'
state, with no VRRP timers.

| | testbed | lab |
|---|---|---|
${testbedRows.join('\n')}

${READING}
Reproduce: \`npm ci && npm run bench\` (as root for the real-sshd, Ansible and testbed rows; the lab rows need
no root; the Ansible row needs \`ansible-playbook\`, and says so when it is missing).
`;
  writeFileSync(OUT, text);
  log(`wrote ${OUT}`);
}

// Where the time goes (from CPU profiles, --cpu-prof of the CLI; kept by hand, see the commit).
const READING = readFileSync(fileURLToPath(new URL('../../bench/where-time-goes.md', import.meta.url)), 'utf8');

await main();
