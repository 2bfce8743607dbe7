import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { createReporters, FanOut, type Reporter, type ReporterOptions } from '../../engine/report/index.js';
import { Capture } from './capture.js';
import { failureRun, successRun } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runWith(options: Partial<ReporterOptions>, events: PlayEvent[] = successRun()) {
  const dir = mkdtempSync(join(tmpdir(), 'reporters-'));
  dirs.push(dir);
  const stdout = new Capture();
  const stderr = new Capture();
  const logFile = join(dir, 'run.log');
  const reporter = createReporters({ mode: 'auto', logFile, stdout, stderr, isTTY: false, ...options });
  for (const e of events) reporter.onEvent(e);
  await reporter.close();
  return { out: stdout.text, err: stderr.text, dir, log: readFileSync(logFile, 'utf8').split('\n').filter(Boolean) };
}

describe('createReporters', () => {
  it('writes plain lines when stdout is not a terminal, and always the log file', async () => {
    const { out, log } = await runWith({ mode: 'auto' });
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} run cluster: started on 3 hosts/);
    expect(out).not.toMatch(/\x1b\[/);
    expect(log).toHaveLength(successRun().length);
  });

  it('colours plain lines when --color forces it', async () => {
    const { out } = await runWith({ mode: 'plain', color: true });
    expect(out).toMatch(/\x1b\[/);
  });

  it('writes only JSON lines to stdout with --json', async () => {
    const { out } = await runWith({ mode: 'json' });
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(successRun().map((e) => e.type));
  });

  it('prints nothing on stdout with --quiet, and the failure on stderr', async () => {
    const ok = await runWith({ mode: 'quiet' });
    expect(ok.out + ok.err).toBe('');
    const failed = await runWith({ mode: 'quiet' }, failureRun());
    expect(failed.out).toBe('');
    expect(failed.err).toContain('kubeadm-init: failed');
  });

  it('writes the JUnit file when closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reporters-'));
    dirs.push(dir);
    const junitFile = join(dir, 'out', 'junit.xml');
    const { out } = await runWith({ mode: 'plain', junitFile });
    expect(out).toContain('succeeded');
    expect(existsSync(junitFile)).toBe(true);
    expect(readFileSync(junitFile, 'utf8')).toContain('<testsuites name="cluster" tests="10" failures="0" errors="0" skipped="1"');
  });
});

describe('fan-out', () => {
  it('keeps feeding the other reporters when one throws, and says so once at close', async () => {
    const seen: string[] = [];
    const broken: Reporter = {
      onEvent() {
        throw new Error('disk full');
      },
      close: () => Promise.reject(new Error('still full')),
    };
    const good: Reporter = { onEvent: (e) => void seen.push(e.type), close: () => Promise.resolve() };
    const stderr = new Capture();
    const fan = new FanOut([broken, good], stderr);
    for (const e of successRun()) fan.onEvent(e);
    await fan.close();
    expect(seen).toHaveLength(successRun().length);
    expect(stderr.text).toBe('podsec-play: reporting: disk full\n');
  });
});
