// ha-cluster.yaml end to end on a lab (master, 2 control planes, 2 LBs, 3 workers) through the
// compiled CLI with nothing but -i DIR/inventory.yaml, judged from every node's actions.log, the
// nodes' files, the simulated cluster and the ports: init once and first, control planes joined
// one at a time, policy byte-identical before each join, all Ready, then SSH off everywhere;
// afterwards the same run is all done, and a fresh run or another playbook is refused by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import {
  actions,
  allActions,
  allReadyAt,
  clockOffset,
  endedAt,
  every,
  expectFaithfulPodsecUse,
  isCreatePolicy,
  isInit,
  isJoin,
  isSshdDisable,
  isUploadCerts,
  journal,
  mtimeMs,
  ms,
  newLab,
  nodeFile,
  nodeReadiness,
  onceOnly,
  playbook,
  policyFiles,
  ports,
  scrubSecretEnv,
  sshdUnit,
  stepEvent,
  stepEvents,
  touchesSshd,
} from './helpers.js';

// A test that fails midway must not leave its CLI running.
afterEach(stopStrayProcesses);

scrubSecretEnv();

const JOINERS = ['cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3'];
const K8S_NODES = ['cp-1', ...JOINERS];

describe('ha-cluster.yaml on a lab (1 master + 2 control planes + 2 LBs + 3 workers)', () => {
  it('inits once, joins control planes one at a time with the policy in place, seals only after all are Ready; later runs are done or refused', async () => {
    const { work, lab } = await newLab({ controlPlanes: 2, workers: 3, lbs: 2 });
    const all = lab.nodes.map((n) => n.name);
    const args = ['run', playbook('ha-cluster'), '-i', lab.inventoryFile];
    const t0 = Date.now();
    const run = new CliProcess([...args, '--json'], { cwd: work });
    const exit = await run.exited;
    const wallMs = Date.now() - t0;
    expect(exit.code, run.stderr + run.stdout.slice(-4000)).toBe(0);
    console.info(`ha-cluster.yaml on the lab: ${(wallMs / 1000).toFixed(1)} s wall time (CLI start to exit)`);
    const events = run.events;
    const runId = events.find((e) => e.type === 'run.started')!.runId;
    expect(clockOffset(lab)).toBe(0); // lab time = real time: labTime marks when a line's program ended

    // kubeadm init: exactly once, on the master, finished before any join started.
    const inits = allActions(lab).filter(isInit);
    expect(inits.map((a) => a.node)).toEqual(['cp-1']);
    const init = onceOnly(inits, 'kubeadm init on cp-1');
    expect(init.event).toBe('init');
    expect(init.argv).toEqual(expect.arrayContaining(['--control-plane-endpoint', `${lab.subnet}.100:8443`, '--apiserver-advertise-address', `${lab.subnet}.1`]));
    const joins = allActions(lab).filter(isJoin);
    expect([...new Set(joins.map((j) => j.node))].sort()).toEqual(JOINERS);
    const joined0 = (n: string) => joins.find((j) => j.node === n)!;
    for (const j of joins) expect(ms(j.time), `${j.node} join starts after init ended`).toBeGreaterThan(endedAt(init));
    // podsec-create-policy: once on every node (it is not re-runnable), the master first, every
    // other node before its join; podsec driven only as its scripts allow.
    expect([...new Set(allActions(lab).filter(isCreatePolicy).map((a) => a.node))].sort()).toEqual(['cp-1', ...JOINERS].sort());
    const policyOnMaster = onceOnly(actions(lab, 'cp-1').filter(isCreatePolicy), 'podsec-create-policy');
    for (const n of JOINERS) {
      const created = onceOnly(actions(lab, n).filter(isCreatePolicy), `podsec-create-policy on ${n}`);
      expect(ms(created.time)).toBeGreaterThan(endedAt(policyOnMaster));
      expect(endedAt(created), `${n}: policy before its join`).toBeLessThanOrEqual(ms(joined0(n).time));
    }
    expectFaithfulPodsecUse(lab, JOINERS);

    // Each node joined exactly once, as what it is.
    const joined = Object.fromEntries(JOINERS.map((n) => [n, onceOnly(actions(lab, n).filter(isJoin), `${n} join`)]));
    for (const n of JOINERS) expect(joined[n]!.event).toBe(n.startsWith('cp-') ? 'join-control-plane' : 'join-worker');

    // Control-plane joins one at a time: no two [start, end] intervals overlap, each with a
    // certificate key uploaded on the master after the previous join ended and before it began.
    const cpJoins = joins.filter((j) => j.argv.includes('--control-plane')).sort((a, b) => ms(a.time) - ms(b.time));
    expect(cpJoins.map((j) => j.node)).toEqual(['cp-2', 'cp-3']);
    for (let i = 1; i < cpJoins.length; i++) {
      expect(ms(cpJoins[i]!.time), `${cpJoins[i]!.node} starts after ${cpJoins[i - 1]!.node} ended`).toBeGreaterThanOrEqual(endedAt(cpJoins[i - 1]!));
    }
    const uploads = actions(lab, 'cp-1').filter((a) => isUploadCerts(a) && a.exit === 0);
    cpJoins.forEach((j, i) => {
      const after = i === 0 ? endedAt(init) : endedAt(cpJoins[i - 1]!);
      expect(uploads.some((u) => ms(u.time) >= after && endedAt(u) <= ms(j.time)), `fresh certificate key for ${j.node}`).toBe(true);
    });
    expect(ms(stepEvent(events, 'step.started', 'cp-3', 'material').ts)).toBeGreaterThanOrEqual(ms(stepEvent(events, 'step.succeeded', 'cp-2', 'join').ts));

    // Every joining node holds the master's policy files byte for byte, written before its join
    // started (file times and the run's events agree), and names registry.local.
    const files = policyFiles(lab);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const n of JOINERS) {
      const joinStart = ms(joined[n]!.time);
      for (const f of files) {
        const mine = nodeFile(lab, n, f);
        expect(readFileSync(mine).equals(readFileSync(nodeFile(lab, 'cp-1', f))), `${n}:${f} identical to cp-1's`).toBe(true);
        expect(mtimeMs(mine), `${n}:${f} written before the join`).toBeLessThan(joinStart);
      }
      expect(readFileSync(nodeFile(lab, n, '/etc/hosts'), 'utf8')).toMatch(new RegExp(`^${lab.subnet.replace(/\./g, '\\.')}\\.1\\s+registry\\.local\\b`, 'm'));
      // podsec-create-policy fetched the master's files: copy-policy found them identical (or copied)
      const copied = events.find((e) => (e.type === 'step.succeeded' || e.type === 'step.skipped') && 'step' in e && e.host === n && e.step === 'copy-policy');
      expect(copied, `${n}/copy-policy`).toBeDefined();
      expect(ms(copied!.ts)).toBeLessThan(joinStart);
    }

    // Every Kubernetes node Ready, as the master's kubectl sees the cluster.
    expect(await nodeReadiness(lab)).toEqual(every(K8S_NODES, true));

    // SSH off on every host, only after the last node became Ready (lab cluster state) and after
    // the run's Ready gate; every port refuses connections now.
    const readyAt = allReadyAt(lab);
    const gate = ms(stepEvent(events, 'step.succeeded', 'cp-1', 'ready').ts);
    for (const n of all) {
      const disables = actions(lab, n).filter(isSshdDisable);
      expect(disables, n).toHaveLength(1);
      expect(disables[0]).toMatchObject({ exit: 0, sshClosed: true });
      for (const a of actions(lab, n).filter(touchesSshd)) {
        expect(ms(a.time), `${n}: ${a.argv.join(' ')} after every node was Ready`).toBeGreaterThan(readyAt);
        expect(ms(a.time), `${n}: ${a.argv.join(' ')} after the Ready gate`).toBeGreaterThan(gate);
      }
      expect(sshdUnit(lab, n)).toEqual({ enabled: false, active: false });
    }
    expect(await ports(lab)).toEqual(every(all, 'refused'));
    const stateFile = join(lab.dir, '.podsec-play', 'ha-cluster.inventory.state.json');
    const sealed = journal(stateFile).sealed;
    expect(Object.keys(sealed).sort()).toEqual([...all].sort());
    for (const s of Object.values(sealed)) expect(s.runId).toBe(runId);

    // The same command again: everything is done, nothing touches a node.
    const linesBefore = allActions(lab).length;
    const again = await runCli([...args, '--json'], { cwd: work, timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    const againEvents = parseEvents(again.stdout);
    expect(stepEvents(againEvents, 'step.started')).toHaveLength(0);
    const skipped = stepEvents(againEvents, 'step.skipped');
    expect(skipped.length).toBe(Object.keys(journal(stateFile).steps).length);
    expect(skipped.every((e) => e.type === 'step.skipped' && e.reason === 'done')).toBe(true);

    // plan marks every host as sealed, by that run, at the recorded time.
    const plan = await runCli(['plan', playbook('ha-cluster'), '-i', lab.inventoryFile], { cwd: work });
    expect(plan.code, plan.stderr).toBe(0);
    for (const n of all) {
      expect(plan.stdout).toMatch(new RegExp(`^  ${n}\\s.*\\[SSH sealed by run ${runId} at ${sealed[n]!.at.replace(/\./g, '\\.')}\\]`, 'm'));
    }
    const planJson = await runCli(['plan', playbook('reset'), '-i', lab.inventoryFile, '--format', 'json'], { cwd: work });
    expect(Object.keys((JSON.parse(planJson.stdout) as { sealed: object }).sealed).sort()).toEqual([...all].sort());

    // --fresh, and another playbook (reset.yaml): refused before the run starts, naming every
    // sealed host a step would need, with the API-only way; exit 2 (a re-run cannot fix it).
    const refusals: [string[], string[]][] = [
      [[...args, '--fresh', '--plain'], all],
      [['run', playbook('reset'), '-i', lab.inventoryFile, '--plain'], all],
    ];
    for (const [refusedArgs, hosts] of refusals) {
      const r = await runCli(refusedArgs, { cwd: work, timeoutMs: 60_000 });
      expect(r.code, refusedArgs.join(' ')).toBe(2);
      const text = r.stdout + r.stderr;
      for (const n of lab.nodes.filter((x) => hosts.includes(x.name))) {
        expect(text).toContain(`needs SSH on ${n.name}. SSH on ${n.name} (127.0.0.1:${n.port}) was turned off by run ${runId} at ${sealed[n.name]!.at}`);
      }
      expect(text).toContain('playbooks/add-worker.yaml joins new nodes, playbooks/remove-node.yaml removes one');
      expect(text).not.toMatch(/ECONNREFUSED|\n\s+at /);
    }
    // plan shows the same refusal, exit 2
    const refusedPlan = await runCli(['plan', playbook('reset'), '-i', lab.inventoryFile], { cwd: work });
    expect(refusedPlan.code).toBe(2);
    expect(refusedPlan.stderr).toContain(`needs SSH on worker-1. SSH on worker-1 (127.0.0.1:${lab.nodes.find((n) => n.name === 'worker-1')!.port}) was turned off by run ${runId}`);
    expect(allActions(lab).length, 'no later run reached a node').toBe(linesBefore);
  }, 150_000);
});
