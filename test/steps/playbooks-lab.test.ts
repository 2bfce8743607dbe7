// The shipped podsec playbooks end to end on the lab, judged from the nodes' actions logs and
// the run's events: init once and before any join, control planes joined one at a time (lab
// clock moved 3 h between two of them), policy byte-identical before each join, every node
// Ready before any SSH goes off, ports closed after; a node's leftover etcd data stops the run
// at its preflight with nothing changed; and a failing worker stops the run before the seal,
// with SSH still on everywhere, until it is fixed and the run resumed.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, afterAll, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { advanceClock, startLab, type RunningLab } from '../../lab/index.js';
import { probeTcp } from '../../steps/lib/tcp-probe.js';
import { CliProcess, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { onlyReads } from '../helpers/reading.js';
import { workdir } from '../helpers/workdir.js';
import { expectFaithfulPodsecUse } from '../podsec/helpers.js';

// A test that fails midway must not leave its CLI running.
afterEach(stopStrayProcesses);

const playbook = (name: string): string => fileURLToPath(new URL(`../../playbooks/${name}.yaml`, import.meta.url));

interface Action {
  time: string;
  labTime?: string;
  argv: string[];
  event?: string;
  exit?: number;
  [key: string]: unknown;
}

function actions(lab: RunningLab, node: string): Action[] {
  const file = join(lab.dir, 'nodes', node, 'actions.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Action);
}

type StepEvent = Extract<PlayEvent, { step: string }>;

function stepEvent(events: PlayEvent[], type: string, host: string, step: string): StepEvent {
  const e = events.find((x) => x.type === type && 'step' in x && x.host === host && x.step === step);
  if (!e) throw new Error(`no ${type} for ${host}/${step}`);
  return e as StepEvent;
}

const ms = (iso: string): number => Date.parse(iso);

const labs: RunningLab[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const lab of labs) await lab.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('ha-cluster.yaml on the lab', () => {
  it('builds, joins in order, turns every node Ready, then seals every host', async () => {
    const dir = workdir('podsec-ha-');
    dirs.push(dir);
    const lab = await startLab({ dir: join(dir, 'lab'), controlPlanes: 2, workers: 3, lbs: 2, readyDelayMs: 200 });
    labs.push(lab);
    const run = new CliProcess(['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json', '--state', join(dir, 'state.json')], { cwd: dir });
    // Between the two extra control planes, 3 h of lab time pass: cp-2's certificate key and
    // uploaded certs expire; cp-3 must still join (its material is minted just before).
    const cp2Joined = await run.waitFor((e) => e.type === 'step.succeeded' && e.host === 'cp-2' && e.step === 'join');
    const advancedAt = advanceClock(lab.dir, 3 * 3_600_000);
    const exit = await run.exited;
    expect(exit.code, run.stderr + run.stdout.slice(-3000)).toBe(0);
    const events = run.events;

    // kubeadm init exactly once, on the master, before any join.
    const inits = actions(lab, 'cp-1').filter((a) => a.event === 'init');
    expect(inits).toHaveLength(1);
    const joins = lab.nodes.flatMap((n) => actions(lab, n.name).filter((a) => a.event?.startsWith('join-')).map((a) => ({ node: n.name, ...a })));
    expect(joins.map((j) => j.node).sort()).toEqual(['cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3']);
    for (const j of joins) expect(ms(j.time)).toBeGreaterThan(ms(inits[0]!.time));

    // Control planes one at a time: cp-3 starts minting only after cp-2 has joined; cp-3 joined
    // after the clock moved, with a certificate key uploaded after that.
    expect(ms(stepEvent(events, 'step.started', 'cp-3', 'material').ts)).toBeGreaterThanOrEqual(ms(cp2Joined.ts));
    const cp3Join = joins.find((j) => j.node === 'cp-3')!;
    expect(ms(cp3Join.labTime!)).toBeGreaterThanOrEqual(advancedAt - 60_000);
    const uploads = actions(lab, 'cp-1').filter((a) => a.event === 'certs-uploaded');
    expect(uploads.some((u) => ms(u.labTime!) >= advancedAt - 60_000 && ms(u.labTime!) <= ms(cp3Join.labTime!))).toBe(true);

    // Every joining node holds the master's policy, byte for byte, copied before it joined.
    const master = join(lab.dir, 'nodes', 'cp-1');
    const keys = readdirSync(join(master, 'var/sigstore/keys')).filter((k) => k.endsWith('.pgp'));
    expect(keys.length).toBeGreaterThan(0);
    const files = ['etc/containers/policy.json', 'etc/containers/registries.d/default.yaml', ...keys.map((k) => `var/sigstore/keys/${k}`)];
    for (const node of ['cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3']) {
      for (const f of files) expect(readFileSync(join(lab.dir, 'nodes', node, f)).equals(readFileSync(join(master, f))), `${node}:${f}`).toBe(true);
      expect(readFileSync(join(lab.dir, 'nodes', node, 'etc/hosts'), 'utf8')).toMatch(new RegExp(`^${lab.subnet.replace(/\./g, '\\.')}\\.1\\s+registry\\.local`, 'm'));
      // podsec-create-policy first (it fetches the master's policy and keys), then copy-policy,
      // which finds them identical or copies them
      // (event times have millisecond resolution: the next step may start in the same one)
      expect(ms(stepEvent(events, 'step.succeeded', node, 'create-policy').ts)).toBeLessThanOrEqual(ms(stepEvent(events, 'step.started', node, 'copy-policy').ts));
      const copied = events.find((e) => (e.type === 'step.succeeded' || e.type === 'step.skipped') && 'step' in e && e.host === node && e.step === 'copy-policy');
      expect(copied, `${node}/copy-policy`).toBeDefined();
      expect(ms(copied!.ts)).toBeLessThanOrEqual(ms(stepEvent(events, 'step.started', node, 'join').ts));
    }

    // podsec driven as its scripts allow: the wrapper got init and join only, each with the
    // cluster's U7S_*; join material from the native kubeadm; every joined node had
    // podsec-create-policy (registry.local insecure). The first master's wrapper applied flannel.
    expectFaithfulPodsecUse(lab, ['cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3']);
    expect(actions(lab, 'cp-1').some((a) => a.event === 'cni-applied' && a.parent === 'podsec-u7s-kubeadm')).toBe(true);
    expect(events.some((e) => e.type === 'step.skipped' && 'step' in e && e.host === 'cp-1' && e.step === 'cni')).toBe(true);

    // Every node Ready, and only then SSH off; every port refuses connections afterwards.
    const ready = stepEvent(events, 'step.succeeded', 'cp-1', 'ready');
    const readyLog = events.find((e) => e.type === 'log' && /6 nodes Ready/.test(e.message));
    expect(readyLog).toBeDefined();
    for (const node of lab.nodes) {
      expect(ms(stepEvent(events, 'step.started', node.name, 'seal').ts)).toBeGreaterThan(ms(ready.ts));
      const stop = actions(lab, node.name).find((a) => a.argv.join(' ') === 'systemctl disable --now sshd');
      expect(stop, node.name).toBeDefined();
      expect(ms(stop!.time)).toBeGreaterThan(ms(ready.ts));
      expect(await probeTcp('127.0.0.1', node.port, 2000)).toBe('refused');
    }

    // No secret reached the output: the lab's secrets, nor the join material the nodes hold.
    const inventory = readFileSync(lab.inventoryFile, 'utf8');
    const secrets = [...inventory.matchAll(/^\s+[A-Z_]+: (\S+)$/gm)].map((m) => m[1]!);
    for (const node of lab.nodes) {
      const env = join(lab.dir, 'nodes', node.name, 'etc/podsec/u7s/config/env');
      if (existsSync(env)) secrets.push(...[...readFileSync(env, 'utf8').matchAll(/^U7S_(?:TOKEN|CERTIFICATEKEY)=(\S+)$/gm)].map((m) => m[1]!));
    }
    expect(secrets.length).toBeGreaterThan(5);
    for (const s of secrets) {
      expect(run.stdout).not.toContain(s);
      expect(run.stderr).not.toContain(s);
    }
  }, 180_000);
});

describe('cluster.yaml on the lab', () => {
  it('etcd data of another cluster stops the run at its preflight; a failing worker stops it before disable-ssh; fixed and resumed, it finishes sealed', async () => {
    const dir = workdir('podsec-one-');
    dirs.push(dir);
    const lab = await startLab({ dir: join(dir, 'lab'), controlPlanes: 0, workers: 2, lbs: 0, readyDelayMs: 200 });
    labs.push(lab);
    // worker-2 carries etcd data of some other cluster: found before anything changes anywhere.
    const leftover = join(lab.dir, 'nodes', 'worker-2', 'var/lib/podsec/u7s/etcd/member');
    mkdirSync(leftover, { recursive: true });
    const state = join(dir, 'state.json');
    const args = ['run', playbook('cluster'), '-i', lab.inventoryFile, '--json', '--state', state];
    const stopped = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect(stopped.code).toBe(1);
    const first = parseEvents(stopped.stdout);
    expect(first.some((e) => e.type === 'step.started')).toBe(false);
    const runFailed = first.find((e) => e.type === 'run.failed') as Extract<PlayEvent, { type: 'run.failed' }>;
    expect(runFailed.failures).toEqual([{ host: 'worker-2', step: 'preflight/kubeadm-state', code: 'E_PREFLIGHT', message: expect.stringMatching(/etcd.*fix: tear it down first/) }]);
    for (const node of lab.nodes) expect(actions(lab, node.name).filter((a) => !onlyReads(a.argv))).toEqual([]);

    // A failure no preflight can see (the join itself fails): the run stops before the seal.
    rmSync(leftover, { recursive: true });
    const injected = join(lab.dir, 'nodes', 'worker-2', 'var/lib/lab/fail/kubeadm-join');
    mkdirSync(dirname(injected), { recursive: true });
    writeFileSync(injected, 'error execution phase kubelet-start: timed out waiting for the condition\n');
    const failed = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect(failed.code).toBe(1);
    const events = parseEvents(failed.stdout);
    const fail = events.find((e) => e.type === 'step.failed') as StepEvent & { error: { message: string; output?: string } };
    expect([fail.host, fail.step]).toEqual(['worker-2', 'join']);
    expect(fail.error.output).toMatch(/timed out waiting for the condition/);
    expect(events.some((e) => e.type === 'step.started' && 'step' in e && e.step === 'seal')).toBe(false);
    for (const node of lab.nodes) {
      expect(actions(lab, node.name).some((a) => a.argv[0] === 'systemctl' && a.argv.includes('sshd'))).toBe(false);
      expect(await probeTcp('127.0.0.1', node.port, 2000)).toBe('open');
    }

    rmSync(injected);
    const resumed = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(actions(lab, 'cp-1').filter((a) => a.event === 'init')).toHaveLength(1);
    expect(actions(lab, 'worker-1').filter((a) => a.event === 'join-worker')).toHaveLength(1);
    expect(actions(lab, 'worker-2').filter((a) => a.event === 'join-worker')).toHaveLength(1);
    for (const node of lab.nodes) expect(await probeTcp('127.0.0.1', node.port, 2000)).toBe('refused');
  }, 240_000);
});
