// A worker whose kubeadm join fails (the lab's stand-in broken on purpose on that node only):
// the run exits 1 with its retries spent and never reaches disable-ssh, so SSH stays on
// everywhere; once the node is fixed, the same command resumes, joins it and seals every host.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvents, runCli } from '../helpers/cli.js';
import {
  actions,
  allActions,
  every,
  isInit,
  isJoin,
  journal,
  newLab,
  nodeFile,
  nodeReadiness,
  onceOnly,
  playbook,
  ports,
  scrubSecretEnv,
  sshdUnit,
  stepEvents,
  touchesSshd,
} from './helpers.js';

scrubSecretEnv();

const BROKEN = 'lab: kubeadm join broken on purpose on worker-2';

describe('ha-cluster.yaml with a failing worker', () => {
  it('stops before disable-ssh with SSH on everywhere; fixed and re-run, it finishes sealed', async () => {
    const { work, lab } = await newLab({ controlPlanes: 1, workers: 2, lbs: 1 });
    const all = lab.nodes.map((n) => n.name);
    const breakage = nodeFile(lab, 'worker-2', '/var/lib/lab/fail/kubeadm-join');
    mkdirSync(dirname(breakage), { recursive: true });
    writeFileSync(breakage, `${BROKEN}\n`);
    const args = ['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'];

    const failed = await runCli(args, { cwd: work, timeoutMs: 140_000 });
    expect(failed.code, failed.stderr).toBe(1);
    const events = parseEvents(failed.stdout);
    const failures = stepEvents(events, 'step.failed');
    expect(failures.map((e) => `${e.host}/${e.step}`)).toEqual(['worker-2/join']);
    const failure = failures[0]!;
    expect(failure.type === 'step.failed' && failure.attempt).toBe(3);
    expect(failure.type === 'step.failed' && JSON.stringify(failure.error)).toContain(BROKEN);
    expect(events.at(-1)?.type).toBe('run.failed');
    // The run stopped before the network and seal phases: no seal step ever started.
    expect(stepEvents(events, 'step.started').filter((e) => e.phase === 'seal' || e.phase === 'network')).toEqual([]);

    // Every attempt reached the broken stand-in; the rest of the cluster was built.
    const tries = actions(lab, 'worker-2').filter(isJoin);
    expect(tries).toHaveLength(3);
    for (const t of tries) expect(t).toMatchObject({ exit: 1, injected: 'kubeadm-join' });
    onceOnly(actions(lab, 'cp-2').filter(isJoin), 'cp-2 join');
    onceOnly(actions(lab, 'worker-1').filter(isJoin), 'worker-1 join');

    // SSH on everywhere: nothing touched sshd, every unit is on, every port accepts connections.
    expect(allActions(lab).filter(touchesSshd)).toEqual([]);
    for (const n of all) expect(sshdUnit(lab, n), n).toEqual({ enabled: true, active: true });
    expect(await ports(lab)).toEqual(every(all, 'open'));
    const stateFile = join(work, '.podsec-play', 'ha-cluster.lab-inventory.state.json');
    expect(journal(stateFile).sealed).toEqual({});

    // Fixed: the same command resumes, joins worker-2, and seals every host.
    rmSync(breakage);
    const resumed = await runCli(args, { cwd: work, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr + resumed.stdout.slice(-4000)).toBe(0);
    const again = parseEvents(resumed.stdout);
    expect(again.find((e) => e.type === 'run.started')).toMatchObject({ resumed: true });
    expect(stepEvents(again, 'step.succeeded', 'worker-2', 'join')).toHaveLength(1);
    expect(stepEvents(again, 'step.started', 'cp-1', 'init')).toHaveLength(0);

    onceOnly(actions(lab, 'cp-1').filter(isInit), 'kubeadm init');
    const join2 = onceOnly(actions(lab, 'worker-2').filter(isJoin), 'worker-2 join');
    expect(join2.injected).toBeUndefined();
    onceOnly(actions(lab, 'worker-1').filter(isJoin), 'worker-1 join');
    expect(await nodeReadiness(lab)).toEqual(every(['cp-1', 'cp-2', 'worker-1', 'worker-2'], true));
    for (const n of all) expect(sshdUnit(lab, n), n).toEqual({ enabled: false, active: false });
    expect(await ports(lab)).toEqual(every(all, 'refused'));
    expect(Object.keys(journal(stateFile).sealed).sort()).toEqual([...all].sort());
  }, 280_000);
});
