import { describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { PlainReporter } from '../../engine/report/plain-reporter.js';
import { QuietReporter } from '../../engine/report/quiet-reporter.js';
import { Capture } from './capture.js';
import { failureRun, interruptedMidStepRun, interruptedRun, LOG_FILE, manyHostsRun, resumeRun, retryThenSuccessRun, successRun } from './fixtures.js';

const runs: [string, PlayEvent[]][] = [
  ['success', successRun()],
  ['retry then success', retryThenSuccessRun()],
  ['failure with output', failureRun()],
  ['resume', resumeRun()],
  ['interrupted', interruptedRun()],
  ['interrupted mid-step', interruptedMidStepRun()],
  ['many hosts', manyHostsRun()],
];

async function plain(events: PlayEvent[], color = false) {
  const stdout = new Capture();
  const stderr = new Capture();
  const r = new PlainReporter({ stdout, stderr, color, logFile: LOG_FILE });
  for (const e of events) r.onEvent(e);
  await r.close();
  return { out: stdout.text, err: stderr.text, lines: stdout.lines };
}

const STAMP = /^\d\d:\d\d:\d\d\.\d{3} /;

describe('plain reporter', () => {
  it.each(runs)('writes no escape codes without --color (%s)', async (_name, events) => {
    const { out, err } = await plain(events);
    expect(out).not.toMatch(/\x1b\[/);
    expect(err).not.toMatch(/\x1b\[/);
    expect(out.length).toBeGreaterThan(0);
  });

  it('colours when colour is forced', async () => {
    const { out } = await plain(failureRun(), true);
    expect(out).toMatch(/\x1b\[32m.*succeeded/);
    expect(out).toMatch(/\x1b\[31m.*failed/);
  });

  it('writes one time-stamped line per state change, naming phase, host and step', async () => {
    const { lines } = await plain(successRun());
    const body = lines.filter((l) => STAMP.test(l)).map((l) => l.replace(STAMP, ''));
    expect(body).toContain('preflight/cp-1 reachable: succeeded (0.2s)');
    expect(body).toContain('master/cp-1 kubeadm-init: succeeded (41.0s)');
    expect(body).toContain('preflight: started on cp-1, w-1, w-2');
    expect(body).toContain('preflight/w-2: started');
    expect(body).toContain('workers: succeeded (18.0s)');
    expect(body.filter((l) => l.includes(' kubeadm-init: '))).toEqual([
      'master/cp-1 kubeadm-init: started kubeadm init',
      'master/cp-1 kubeadm-init: succeeded (41.0s)',
    ]);
  });

  it('does not print output lines of steps that succeed', async () => {
    const { out } = await plain(successRun());
    expect(out).not.toContain('Using Kubernetes version');
  });

  it('says which attempt failed and when the next comes', async () => {
    const { lines } = await plain(retryThenSuccessRun());
    const retry = lines.filter((l) => l.includes('workers/w-2 join: attempt'));
    expect(retry).toHaveLength(2);
    expect(retry[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} workers\/w-2 join: attempt 1\/3 failed: exit code 7: curl: \(7\) Failed to connect to mirror port 80; retrying 2\/3 at \d\d:\d\d:\d\d\.\d{3} \(in 4s\)$/,
    );
    expect(lines.some((l) => /workers\/w-2 join: started kubeadm join \(attempt 3\/3\)$/.test(l))).toBe(true);
    expect(lines.some((l) => /workers\/w-2 join: succeeded on attempt 3 \(9\.0s\)$/.test(l))).toBe(true);
  });

  it('gives skip reasons: already done on resume, already in place from a check', async () => {
    const resumed = await plain(resumeRun());
    expect(resumed.lines.some((l) => l.endsWith('preflight/cp-1 reachable: skipped: already done'))).toBe(true);
    const fresh = await plain(successRun());
    expect(fresh.lines.some((l) => l.endsWith('master/cp-1 create-policy: skipped: already in place (/etc/containers/policy.json exists)'))).toBe(true);
  });

  it('shows a failure with its exit code and the last lines of output, then the summary and the log path', async () => {
    const { out, err } = await plain(failureRun());
    expect(out).toMatch(/master\/cp-1 kubeadm-init: failed on attempt 2 \(1\.2s\): exit code 1: \[ERROR Port-6443\]: Port 6443 is in use/);
    expect(out).toContain('      |   [ERROR Port-6443]: Port 6443 is in use'); // the tab became two spaces
    expect(out).toContain('      | To see the stack trace of this error execute with --v=5 or higher');
    const summary = out.slice(out.lastIndexOf('✖ cluster failed'));
    expect(summary).toContain('Phases:');
    expect(summary).toMatch(/preflight\s+succeeded in 1\.1s/);
    expect(summary).toMatch(/workers\s+not reached/);
    expect(summary).toMatch(/cp-1\s+failed at master\/kubeadm-init/);
    expect(summary).toContain(`Full log: ${LOG_FILE}`);
    expect(err).toContain('podsec-play: failed: master/cp-1 kubeadm-init: exit code 1');
    expect(err).toContain(`podsec-play: full log: ${LOG_FILE}`);
  });

  it('says how to resume after an interruption', async () => {
    const { out, err } = await plain(interruptedRun());
    expect(out).toContain('interrupted — state saved to .podsec-play/state.json; run the same command again to resume');
    expect(err).toContain('interrupted — state saved to .podsec-play/state.json');
  });

  it('shows the interruption warning and the steps that were in flight', async () => {
    const { out } = await plain(interruptedMidStepRun());
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} warn: SIGINT: stopping running commands and saving the state…$/m);
    expect(out).toContain('Stopped while running (re-checked or re-run on resume):\n  workers/w-2 join (attempt 1/3)');
    expect(out).toMatch(/^ {2}w-2 {3}interrupted at workers\/join$/m);
    expect(out).toContain('interrupted — state saved to .podsec-play/state.json; run the same command again to resume');
  });

  it('does not print a line per step a failure kept from running', async () => {
    const { out } = await plain(failureRun());
    expect(out).not.toMatch(/\/\S+ \S+: skipped: not reached/); // `phase/host step: …`
    expect(out).toMatch(/workers: skipped: not reached/);
  });

  it('ends a good run with the summary and nothing on stderr', async () => {
    const { out, err } = await plain(successRun());
    expect(out).toMatch(/run: succeeded \(1m 00s\)\n✔ cluster succeeded in 1m 00s\nPhases:/);
    expect(err).toBe('');
  });

  it('counts hosts instead of listing them in a big run', async () => {
    const { out } = await plain(manyHostsRun(20));
    expect(out).toContain('workers: started on 20 hosts');
    expect(out).toContain('20 more hosts ok');
  });
});

describe('quiet reporter', () => {
  async function quiet(events: PlayEvent[]) {
    const stderr = new Capture();
    const r = new QuietReporter({ stderr, color: false, logFile: LOG_FILE });
    for (const e of events) r.onEvent(e);
    await r.close();
    return stderr.text;
  }

  it('prints nothing when all goes well, even with retries', async () => {
    expect(await quiet(retryThenSuccessRun())).toBe('');
  });

  it('prints only the failure, its output and the final failure list', async () => {
    const text = await quiet(failureRun());
    const lines = text.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} master\/cp-1 kubeadm-init: failed on attempt 2/);
    expect(text).toContain('|   [ERROR Port-6443]: Port 6443 is in use');
    expect(text).not.toContain('succeeded');
    expect(text).not.toContain('retrying');
    expect(lines.slice(-2)).toEqual([
      'podsec-play: failed: master/cp-1 kubeadm-init: exit code 1: [ERROR Port-6443]: Port 6443 is in use',
      `podsec-play: full log: ${LOG_FILE}`,
    ]);
  });
});
