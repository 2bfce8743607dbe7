// ha-cluster.yaml killed with kill -9 at many points across the whole run (preflight, LBs,
// secure mode, mid kubeadm init, between and inside control-plane joins, a worker join, the
// Ready wait, half-way through the seal) and resumed each time on the same state and lab; then
// run to completion: the same end state as an uninterrupted run, and every once-only action
// (podsec-create-policy, kubeadm init, each node's join) ran exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { CliProcess, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import {
  actions,
  allActions,
  clusterState,
  every,
  isCreatePolicy,
  isInit,
  isJoin,
  journal,
  mtimeMs,
  newLab,
  nodeFile,
  nodeReadiness,
  onceOnly,
  playbook,
  ports,
  scrubSecretEnv,
  sshdUnit,
  waitForFile,
} from './helpers.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// A test that fails midway must not leave its CLI running.
afterEach(stopStrayProcesses);

scrubSecretEnv();

const JOINERS = ['cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3'];

type Pred = (e: PlayEvent) => boolean;
const started = (host: string, step: string): Pred => (e) => e.type === 'step.started' && e.host === host && e.step === step;
/** Finished in this run: succeeded, or found done by its check (never "done" from the journal). */
const finished = (host: string, step: string): Pred => (e) =>
  'step' in e && e.host === host && e.step === step && (e.type === 'step.succeeded' || (e.type === 'step.skipped' && e.reason !== 'done' && e.reason !== 'not-reached'));
const nth = (n: number, pred: Pred): Pred => {
  let seen = 0;
  return (e) => pred(e) && ++seen === n;
};
const progress = (host: string, pattern: RegExp): Pred => (e) => e.type === 'log' && e.host === host && pattern.test(e.message);

/** When to kill: an event, or a marker file the step writes on the node just before kubeadm or
 * podsec-create-policy starts (fresher than this run), with an event as the fallback for the
 * case where an earlier kill left that step done on the node (its check then skips it). */
interface KillPoint {
  label: string;
  event?: Pred;
  file?: { node: string; path: string };
  fallback?: Pred;
}

const KILL_POINTS: KillPoint[] = [
  { label: 'the preflight finished (facts journaled), before any step', event: (e) => e.type === 'preflight.finished' },
  { label: 'haproxy started on lb-1', event: started('lb-1', 'haproxy') },
  { label: 'keepalived finished on lb-2', event: finished('lb-2', 'keepalived') },
  { label: 'mid podsec-create-policy on cp-1', file: { node: 'cp-1', path: '/var/lib/podsec-play/podsec-policy.started' }, fallback: finished('cp-1', 'policy') },
  { label: 'imagemaker started (password and GPG prompts)', event: started('cp-1', 'imagemaker') },
  { label: 'sign-images started', event: started('cp-1', 'sign') },
  { label: 'kubeadm-init step started', event: started('cp-1', 'init') },
  { label: 'mid kubeadm init (start marker written)', file: { node: 'cp-1', path: '/var/lib/podsec-play/kubeadm-init.started' }, fallback: finished('cp-1', 'init') },
  { label: 'kubeadm init done on the node, not yet journaled', event: progress('cp-1', /\[addons\]/), fallback: finished('cp-1', 'init') },
  { label: 'copy-policy finished on worker-1', event: finished('worker-1', 'copy-policy') },
  { label: 'mid control-plane join of cp-2 (start marker written)', file: { node: 'cp-2', path: '/var/lib/podsec-play/kubeadm-join.started' }, fallback: finished('cp-2', 'join') },
  { label: 'join-material for cp-3 started (between control-plane joins)', event: started('cp-3', 'material') },
  { label: 'cp-3 join done on the node, not yet journaled', event: progress('cp-3', /\[kubelet-start\]/), fallback: finished('cp-3', 'join') },
  { label: 'mid worker join of worker-2 (start marker written)', file: { node: 'worker-2', path: '/var/lib/podsec-play/kubeadm-join.started' }, fallback: finished('worker-2', 'join') },
  { label: 'flannel applied', event: finished('cp-1', 'cni') },
  { label: 'wait-nodes-ready started', event: started('cp-1', 'ready') },
  { label: 'seal: 3 hosts sealed, others in flight', event: nth(3, (e) => e.type === 'step.succeeded' && e.step === 'seal') },
  { label: 'seal: one more host sealed', event: nth(1, (e) => e.type === 'step.succeeded' && e.step === 'seal') },
];

/** Resolves with how the kill point was reached; rejects when the run ends first. */
async function reached(p: CliProcess, k: KillPoint, lab: { dir: string }, since: number): Promise<string> {
  const waits: Promise<string>[] = [];
  if (k.event) waits.push(p.waitFor(k.event).then(() => 'event'));
  if (k.fallback) waits.push(p.waitFor(k.fallback).then(() => 'fallback'));
  if (k.file) {
    const file = join(lab.dir, 'nodes', k.file.node, k.file.path);
    const fresh = (): boolean => existsSync(file) && mtimeMs(file) >= since;
    waits.push(
      waitForFile(file, p.exited, fresh).then((found) => {
        if (!found) throw new Error(`${k.label}: the run ended before ${k.file!.path} appeared on ${k.file!.node}`);
        return 'marker file';
      }),
    );
  }
  return Promise.race(waits);
}

describe('ha-cluster.yaml killed with kill -9 and resumed', () => {
  it('reaches the same end state, every once-only action exactly once', async () => {
    const { work, lab } = await newLab({ controlPlanes: 2, workers: 3, lbs: 2 });
    const args = ['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'];
    const log: string[] = [];
    for (const k of KILL_POINTS) {
      // Whole seconds: the markers are written by `date`, whose file times may be coarse.
      const since = Math.floor(Date.now() / 1000) * 1000 - 1000;
      const p = new CliProcess(args, { cwd: work });
      const how = await reached(p, k, lab, since).catch(async (err: Error) => {
        p.child.kill('SIGKILL');
        throw err;
      });
      p.child.kill('SIGKILL');
      const { code, signal } = await p.exited;
      expect(signal, `${k.label}: the run must still be going (exit ${code})\n${p.stderr}`).toBe('SIGKILL');
      log.push(`${k.label} [${how}]`);
    }
    console.info(`kill -9 points covered: ${log.length}\n  ${log.join('\n  ')}`);
    expect(log.length).toBeGreaterThanOrEqual(8);

    const final = await runCli(args, { cwd: work, timeoutMs: 120_000 });
    expect(final.code, final.stderr + final.stdout.slice(-4000)).toBe(0);
    expect(parseEvents(final.stdout).find((e) => e.type === 'run.started')).toMatchObject({ resumed: true });

    // The end state of an uninterrupted run: every node Ready, every host sealed and closed.
    const all = lab.nodes.map((n) => n.name);
    expect(await nodeReadiness(lab)).toEqual(every(['cp-1', ...JOINERS], true));
    expect(await ports(lab)).toEqual(every(all, 'refused'));
    for (const n of all) expect(sshdUnit(lab, n), n).toEqual({ enabled: false, active: false });
    const state = journal(join(lab.dir, '.podsec-play', 'ha-cluster.inventory.state.json'));
    expect(Object.keys(state.sealed).sort()).toEqual([...all].sort());
    expect(Object.values(state.steps).filter((s) => s.status !== 'succeeded' && s.status !== 'skipped')).toEqual([]);
    expect(state.runs).toHaveLength(KILL_POINTS.length + 1);

    // Once-only actions: podsec-create-policy and kubeadm init on the master, each node's join,
    // exactly one successful run each and nothing after it.
    onceOnly(actions(lab, 'cp-1').filter(isCreatePolicy), 'podsec-create-policy on cp-1');
    onceOnly(actions(lab, 'cp-1').filter(isInit), 'kubeadm init on cp-1');
    expect(allActions(lab).filter((a) => a.event === 'init')).toHaveLength(1);
    for (const n of JOINERS) onceOnly(actions(lab, n).filter(isJoin), `kubeadm join on ${n}`);
    expect(allActions(lab).filter((a) => isCreatePolicy(a) || isInit(a) || isJoin(a)).every((a) => a.node === 'cp-1' || JOINERS.includes(a.node))).toBe(true);

    const attempts = (what: string, lines: { exit: number; signal?: string }[]): string =>
      `${what}: ${lines.length} run(s) [${lines.map((a) => (a.exit === 0 ? 'ok' : a.signal ?? `exit ${a.exit}`)).join(', ')}]`;
    console.info(
      [
        attempts('podsec-create-policy', actions(lab, 'cp-1').filter(isCreatePolicy)),
        attempts('kubeadm init', actions(lab, 'cp-1').filter(isInit)),
        ...JOINERS.map((n) => attempts(`${n} join`, actions(lab, n).filter(isJoin))),
        `kubeadm reset on a resume: ${allActions(lab).filter((a) => a.argv[0] === 'kubeadm' && a.argv[1] === 'reset').map((a) => a.node).join(', ') || 'none'}`,
      ].join('\n'),
    );

    // One cluster, never re-initialised: every node's kubelet.conf belongs to the cluster that
    // exists now, and every node is a member.
    const cluster = clusterState(lab);
    expect(Object.keys(cluster.nodes).sort()).toEqual(['cp-1', ...JOINERS].sort());
    expect(cluster.id).toMatch(/^[0-9a-f]+$/);
    const ca = `certificate-authority-data: ${Buffer.from(cluster.ca!.cert).toString('base64')}`;
    for (const n of ['cp-1', ...JOINERS]) expect(readFileSync(nodeFile(lab, n, '/etc/kubernetes/kubelet.conf'), 'utf8'), n).toContain(ca);
  }, 300_000);
});
