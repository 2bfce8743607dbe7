// A worker whose kubeadm join fails (the lab's stand-in broken on purpose on that node only):
// the run exits 1 with its retries spent and never reaches disable-ssh, so SSH stays on
// everywhere; the failing program's own words reach every channel CI reads (the run.failed
// event, stderr, JUnit, status). Once the node is fixed, the same command — started from another
// directory — finds its state beside the inventory, resumes, joins it and seals every host.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import fm from 'ajv-formats';
import { parseEvents, runCli } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';
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
    const junit = join(work, 'junit.xml');

    const failed = await runCli([...args, '--junit', junit], { cwd: work, timeoutMs: 140_000 });
    expect(failed.code, failed.stderr).toBe(1);
    const events = parseEvents(failed.stdout);

    // The cause, in the program's own words, is the failure's message everywhere; the command
    // line stays in its own field.
    const runFailed = events.at(-1);
    expect(runFailed?.type).toBe('run.failed');
    const [cause] = runFailed?.type === 'run.failed' ? runFailed.failures : [];
    expect(cause).toMatchObject({ host: 'worker-2', step: 'join', message: BROKEN, code: 'E_COMMAND', exitCode: 1 });
    expect(cause?.command).toMatch(/kubeadm join /);
    expect(cause?.command).not.toContain(BROKEN);
    expect(failed.stderr).toContain(`podsec-play: failed: workers/worker-2 join: exit code 1: ${BROKEN}`);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(`<failure message="exit code 1: ${BROKEN}" type="E_COMMAND">`);
    // status, asked from a third directory with -i, finds the state beside the inventory.
    const elsewhere = workdir('podsec-status-');
    const status = await runCli(['status', '-i', lab.inventoryFile], { cwd: elsewhere });
    expect(status.code, status.stderr).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`✖ workers/join\\s+failed\\s+3 attempts.*exit code 1: ${BROKEN}`));
    const statusJson = await runCli(['status', '-i', lab.inventoryFile, '--json'], { cwd: elsewhere });
    expect(statusJson.code).toBe(1);
    const [doc] = JSON.parse(statusJson.stdout) as { outcome: string; steps: Record<string, { error?: { message: string; command?: string } }> }[];
    const ajv = new Ajv({ allErrors: true, strict: false });
    fm.default(ajv);
    const validStatus = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8')));
    expect(validStatus(doc), JSON.stringify(validStatus.errors)).toBe(true);
    expect(doc!.outcome).toBe('failed');
    expect(doc!.steps['workers/worker-2/join']!.error).toMatchObject({ message: BROKEN, command: expect.stringMatching(/kubeadm join /) });
    rmSync(elsewhere, { recursive: true, force: true });
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
    const stateFile = join(lab.dir, '.podsec-play', 'ha-cluster.inventory.state.json');
    expect(journal(stateFile).sealed).toEqual({});

    // Fixed: the same command resumes, joins worker-2, and seals every host.
    rmSync(breakage);
    const otherCwd = workdir('podsec-resume-');
    const resumed = await runCli(args, { cwd: otherCwd, timeoutMs: 120_000 });
    rmSync(otherCwd, { recursive: true, force: true });
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
