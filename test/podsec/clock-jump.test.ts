// Lab time jumps 3 h between two control-plane joins (the run stopped after cp-2 joined, resumed
// hours later): cp-3 must still join, with a certificate key minted after the jump; and when the
// run stopped right after cp-3's material was minted, a second jump expires that material too,
// so the join itself must notice and mint fresh material instead of failing.
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import {
  actions,
  clockOffset,
  clusterState,
  every,
  isJoin,
  isUploadCerts,
  ms,
  newLab,
  nodeReadiness,
  onceOnly,
  playbook,
  ports,
  scrubSecretEnv,
  type Action,
} from './helpers.js';

// A test that fails midway must not leave its CLI running.
afterEach(stopStrayProcesses);

scrubSecretEnv();

const HOURS_3 = 3 * 3_600_000;
/** Lab time at which a line's program started (the clock moved only while no run was going). */
const labStart = (a: Action, offsetMs: number): number => ms(a.time) + offsetMs;

describe('ha-cluster.yaml across 3 h lab-clock jumps between control-plane joins', () => {
  it('mints a fresh certificate key after each jump and cp-3 joins once', async () => {
    const { work, lab } = await newLab({ controlPlanes: 2, workers: 1, lbs: 2 });
    const args = ['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'];
    const killAfter = async (pred: (e: { type: string; host?: string; step?: string }) => boolean): Promise<void> => {
      const p = new CliProcess(args, { cwd: work });
      await p.waitFor((e) => pred(e as { type: string; host?: string; step?: string }));
      p.child.kill('SIGKILL');
      expect((await p.exited).signal).toBe('SIGKILL');
    };
    const advance = async (): Promise<number> => {
      const r = await runCli(['lab', 'clock', '--dir', lab.dir, '--advance', '3h']);
      expect(r.code, r.stderr).toBe(0);
      const m = /^lab time: (\S+)$/m.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      return ms(m![1]!);
    };

    // 1. Stopped right after cp-2 joined; 3 h pass: the certificate key cp-2 used has expired.
    await killAfter((e) => e.type === 'step.succeeded' && e.host === 'cp-2' && e.step === 'join');
    const cp2Join = onceOnly(actions(lab, 'cp-2').filter(isJoin), 'cp-2 join');
    expect(actions(lab, 'cp-3').filter(isJoin)).toHaveLength(0);
    const jump1 = await advance();
    expect(clockOffset(lab)).toBeGreaterThanOrEqual(HOURS_3);
    expect(clusterState(lab).certificateKey!.expires).toBeLessThan(jump1);

    // 2. Resumed: join-material runs again on the master for cp-3 (upload-certs after the jump);
    //    stopped again right after that material was minted, before cp-3 joins.
    await killAfter((e) => e.type === 'step.succeeded' && e.host === 'cp-3' && e.step === 'material');
    const offset1 = clockOffset(lab);
    const uploadsAfterJump1 = actions(lab, 'cp-1').filter((a) => isUploadCerts(a) && a.exit === 0 && labStart(a, offset1) >= jump1);
    expect(uploadsAfterJump1.length, 'certificate key minted for cp-3 after the first jump').toBeGreaterThanOrEqual(1);
    expect(actions(lab, 'cp-3').filter(isJoin), 'cp-3 has not joined yet').toHaveLength(0);

    // 3. Another 3 h: the token (1 h) and certificate key (2 h) minted for cp-3 expired unused.
    const jump2 = await advance();
    const final = await runCli(args, { cwd: work, timeoutMs: 120_000 });
    expect(final.code, final.stderr + final.stdout.slice(-4000)).toBe(0);
    const offset2 = clockOffset(lab);
    expect(offset2).toBeGreaterThanOrEqual(2 * HOURS_3);

    // cp-3 joined exactly once, on its first try, after the second jump, with material minted
    // on the master after that jump and before its join (a token and a certificate key).
    const cp3Join = onceOnly(actions(lab, 'cp-3').filter(isJoin), 'cp-3 join');
    expect(actions(lab, 'cp-3').filter(isJoin)).toHaveLength(1);
    expect(cp3Join.event).toBe('join-control-plane');
    const joinAt = labStart(cp3Join, offset2);
    expect(joinAt).toBeGreaterThanOrEqual(jump2);
    const minted = actions(lab, 'cp-1').filter((a) => a.exit === 0 && labStart(a, offset2) >= jump2 && labStart(a, offset2) <= joinAt);
    expect(minted.some(isUploadCerts), 'upload-certs after the second jump').toBe(true);
    expect(minted.some((a) => a.event === 'token-created'), 'token created after the second jump').toBe(true);
    const events = parseEvents(final.stdout);
    expect(events.some((e) => e.type === 'log' && e.host === 'cp-3' && /no longer known to cp-1/.test(e.message))).toBe(true);

    // cp-2 was not touched again; the cluster finishes as usual.
    expect(actions(lab, 'cp-2').filter(isJoin)).toEqual([cp2Join]);
    expect(await nodeReadiness(lab)).toEqual(every(['cp-1', 'cp-2', 'cp-3', 'worker-1'], true));
    expect(await ports(lab)).toEqual(every(lab.nodes.map((n) => n.name), 'refused'));
  }, 150_000);
});
