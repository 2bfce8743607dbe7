// The TUI in a real pseudo-terminal (tmux): the compiled reporters replay recorded runs, the test
// reads frames during the run (at pauses the replay script holds until told to go on) and at the end.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { command } from '../../engine/util/shell.js';
import { failureRun, interruptedMidStepRun, interruptedRun, manyHostsRun, preflightFailedRun, retryThenSuccessRun } from './fixtures.js';
import { Terminal } from './terminal.js';

const script = fileURLToPath(new URL('./tui-replay.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/engine/report/index.js', import.meta.url));
const STRAY = 'a stray line from someone else';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  expect(existsSync(dist), 'build first (npm run build)').toBe(true);
});

interface Replay {
  term: Terminal;
  logFile: string;
  go(index: number): void;
}

async function replay(events: PlayEvent[], pauses: number[] = [], env: Record<string, string> = {}): Promise<Replay> {
  const dir = mkdtempSync(join(tmpdir(), 'replay-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const eventsFile = join(dir, 'events.json');
  writeFileSync(eventsFile, JSON.stringify(events));
  const logFile = join(dir, 'run.log');
  const line = `${command(process.execPath, script, eventsFile, logFile, dir, ...pauses.map(String))}; echo "EXIT=$?"`;
  const term = await Terminal.start(line, 120, 40, { REPLAY_STRAY: STRAY, ...env });
  cleanups.push(() => term.stop());
  return { term, logFile, go: (index) => writeFileSync(join(dir, `go-${index}`), '') };
}

function indexOf(events: PlayEvent[], pred: (e: PlayEvent) => boolean): number {
  const i = events.findIndex(pred);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe('TUI in a terminal', () => {
  it('shows the live tree, the running step’s last output line, the retry marker, then the summary', async () => {
    const events = retryThenSuccessRun();
    const atOutput = indexOf(events, (e) => e.type === 'step.output' && e.line.includes('CoreDNS'));
    const atRetry = indexOf(events, (e) => e.type === 'step.retrying');
    const { term, go } = await replay(events, [atOutput, atRetry]);

    const running = await term.waitFor('Applied essential addon: CoreDNS');
    expect(running).toMatch(/^✔ preflight \(3 hosts, 1\.1s\)$/m);
    expect(running).toMatch(/^❯ master · 1 host · \d+s$/m);
    expect(running).toMatch(/^ {2}❯ cp-1 · step 2\/2 · \d+s$/m);
    expect(running).toMatch(/^ {4}↓ create-policy — already in place \(\/etc\/containers\/policy\.json exists\)$/m);
    expect(running).toMatch(/^ {4}\S kubeadm-init · kubeadm init · \d+s$/m);
    expect(running).toMatch(/^ {6}› \[addons\] Applied essential addon: CoreDNS$/m);
    expect(running).toMatch(/^◼ workers · 2 hosts$/m);
    expect(running).not.toContain(STRAY);
    go(atOutput);

    const retrying = await term.waitFor(/\[RETRY 2\/3 in \d+s\]/);
    expect(retrying).toMatch(/^✔ master \(1 host, 41\.0s\)$/m);
    expect(retrying).toMatch(/^❯ workers · 2 hosts · \d+s$/m);
    expect(retrying).toMatch(/^ {2}❯ w-1 · step 1\/1 · \d+s$/m);
    expect(retrying).toMatch(/^ {4}✔ join \(9\.0s\)$/m);
    expect(retrying).toMatch(/^ {2}❯ w-2 · step 1\/1 · \d+s$/m);
    expect(retrying).toMatch(/^ {4}\S join \[RETRY 2\/3 in \d+s\] · exit code 7: curl: \(7\) Failed to connect to mirror port 80$/m);
    expect(retrying).not.toContain(STRAY);
    go(atRetry);

    const final = await term.waitFor('REPLAY DONE', { history: true });
    expect(final).toMatch(/^✔ preflight \(3 hosts, 1\.1s\)\n✔ master \(1 host, 41\.0s\)\n✔ workers \(2 hosts, 44\.0s\)$/m);
    const summary = final.slice(final.indexOf('✔ cluster succeeded in'));
    expect(summary).toMatch(/^✔ cluster succeeded in 1m 26s\nPhases:\n {2}preflight {2}succeeded in 1\.1s {2}\(3 ok\)\n {2}master {5}succeeded in 41\.0s {2}\(1 ok\)\n {2}workers {4}succeeded in/);
    expect(summary).toMatch(/Hosts:\n {2}cp-1 {2}ok \(3 steps run, 1 skipped\)\n {2}w-1 {3}ok \(3 steps run, 0 skipped\)\n {2}w-2 {3}ok \(3 steps run, 0 skipped\)\nREPLAY DONE/);
    // what someone else printed during the run comes out only once the TUI is done
    expect(final.indexOf(STRAY)).toBeGreaterThan(final.indexOf('✔ workers'));
    expect(final).not.toContain('Full log');
  });

  it('ends a failed run with the failing host, step, exit code, last output lines and the log file', async () => {
    const { term, logFile } = await replay(failureRun());
    const final = await term.waitFor('REPLAY DONE', { history: true });
    expect(final).toMatch(/^✖ master — 1 of 1 host failed \(\d+\.\ds\)$/m);
    expect(final).toMatch(/^ {2}✖ cp-1 — failed at kubeadm-init: exit code 1/m);
    expect(final).toMatch(/^ {4}✖ kubeadm-init — failed: exit code 1/m);
    expect(final).toMatch(/^↓ workers — not reached$/m);
    const summary = final.slice(final.indexOf('✖ cluster failed'));
    expect(summary).toMatch(/^ {2}cp-1 {2}failed at master\/kubeadm-init$/m);
    expect(summary).toMatch(/^ {2}master\/cp-1 kubeadm-init \(kubeadm init\): exit code 1: \[ERROR Port-6443\]: Port 6443 is in use$/m);
    expect(summary).toMatch(/^ {4}\| {3}\[ERROR Port-6443\]: Port 6443 is in use$/m);
    expect(summary).toMatch(/^ {4}\| To see the stack trace of this error execute with --v=5 or higher$/m);
    expect(summary.replace(/\n/g, '')).toContain(`Full log: ${logFile}`);
  });

  it('ends a run stopped by its preflight with each failed check, its reason and its fix', async () => {
    const { term } = await replay(preflightFailedRun());
    const final = await term.waitFor('REPLAY DONE', { history: true });
    const summary = final.slice(final.indexOf('✖ cluster failed'));
    expect(summary).toMatch(/^ {2}master +not reached$/m);
    expect(summary.replace(/\n/g, '')).toContain('w-1 preflight/swap-off: swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap) (fix: swapoff -a, and remove the swap lines from /etc/fstab so it stays off after a reboot)');
  });

  it('says where the state is and how to resume after Ctrl-C', async () => {
    const { term } = await replay(interruptedRun());
    const final = await term.waitFor('REPLAY DONE', { history: true });
    expect(final).toMatch(/^ {2}✖ w-1 — interrupted at join$/m);
    expect(final).toContain('interrupted — state saved to .podsec-play/state.json; run the same command again to resume');
  });

  it('shows that Ctrl-C is being handled, then which steps were cut short', async () => {
    const events = interruptedMidStepRun();
    const at = indexOf(events, (e) => e.type === 'log');
    const { term, go } = await replay(events, [at]);
    const stopping = await term.waitFor('SIGINT: stopping running commands');
    expect(stopping).toMatch(/^❯ workers · 2 hosts · \d+s\n {2}› warn: SIGINT: stopping running commands and saving the state…$/m);
    go(at);
    const final = await term.waitFor('REPLAY DONE', { history: true });
    expect(final).toMatch(/^✖ workers — interrupted$/m);
    expect(final).toMatch(/^ {2}✖ w-2 — interrupted at join$/m);
    expect(final).toMatch(/^ {4}✖ join — interrupted$/m);
    expect(final).toContain('Stopped while running (re-checked or re-run on resume):\n  workers/w-2 join (attempt 1/3)');
    expect(final).toContain('interrupted — state saved to .podsec-play/state.json; run the same command again to resume');
  });

  it('gives the cursor and held-back output back when the process exits mid-run', async () => {
    const events = retryThenSuccessRun();
    const at = indexOf(events, (e) => e.type === 'step.retrying');
    const { term, go } = await replay(events, [at], { REPLAY_EXIT_AT: String(at + 1) });
    await term.waitFor('[RETRY 2/3 in');
    expect(await term.cursorVisible()).toBe(false);
    go(at);
    const final = await term.waitFor('EXIT=130', { history: true });
    expect(await term.cursorVisible()).toBe(true);
    expect(final.indexOf(STRAY)).toBeGreaterThan(final.indexOf('[RETRY 2/3 in'));
    expect(final).toContain('REPLAY EXIT');
  });

  it('folds a phase with many hosts into a count line and the hosts still running', async () => {
    const events = manyHostsRun(20);
    // pause while the second wave of five runs, after the first five finished
    const at = indexOf(events, (e) => e.type === 'host.started' && e.host === 'w-10');
    const { term, go } = await replay(events, [at]);
    const frame = await term.waitFor(/5 hosts done · 5 running · 10 waiting/);
    const hostLines = frame.split('\n').filter((l) => /^ {2}\S w-\d\d /.test(l));
    expect(hostLines.map((l) => l.slice(4, 8))).toEqual(['w-06', 'w-07', 'w-08', 'w-09', 'w-10']);
    expect(frame).not.toMatch(/w-0[1-5]/);
    expect(frame.trimEnd().split('\n').length).toBeLessThan(20);
    go(at);
    const final = await term.waitFor('REPLAY DONE', { history: true });
    expect(final).toMatch(/^✔ workers \(20 hosts, /m);
    expect(final).toContain('20 more hosts ok');
  });
});
