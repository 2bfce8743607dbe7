import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PlayError } from '../../engine/errors.js';
import type { PlayEvent } from '../../engine/events/types.js';
import { LogFileReporter } from '../../engine/report/log-reporter.js';
import { failureRun, maskedSecretRun, retryThenSuccessRun, successRun } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'log-'));
  dirs.push(d);
  return d;
}
function records(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
async function write(file: string, events: PlayEvent[]): Promise<void> {
  const r = new LogFileReporter(file);
  for (const e of events) r.onEvent(e);
  await r.close();
}

describe('log file', () => {
  it('holds every event, output lines included, in order, with the host named', async () => {
    const file = join(tmp(), 'nested', 'dir', 'run.log');
    const events = retryThenSuccessRun();
    await write(file, events);
    const recs = records(file);
    expect(recs.map((r) => r.type)).toEqual(events.map((e) => e.type));
    expect(recs.map((r) => r.ts)).toEqual(events.map((e) => e.ts));
    for (const r of recs) expect(r.runId).toBe('run-1');
    const output = recs.find((r) => r.type === 'step.output')!;
    expect(output).toMatchObject({ phase: 'preflight', host: 'cp-1', step: 'swap-off', stream: 'stdout' });
    expect(output.msg).toBe('preflight/cp-1 swap-off stdout: Filename Type Size Used Priority');
    for (const r of recs.filter((x) => String(x.type).startsWith('host.') || String(x.type).startsWith('step.'))) {
      expect(typeof r.host).toBe('string');
    }
  });

  it('chooses the level by event: failures error, retries warn, the rest info', async () => {
    const file = join(tmp(), 'run.log');
    await write(file, [
      ...failureRun(),
      { type: 'log', level: 'debug', message: 'handshake done', host: 'cp-1', ts: '2026-01-01T10:02:00.000Z', runId: 'run-1' },
    ]);
    const recs = records(file);
    const level = (type: string) => [...new Set(recs.filter((r) => r.type === type).map((r) => r.level))];
    expect(level('step.failed')).toEqual([50]);
    expect(level('run.failed')).toEqual([50]);
    expect(level('step.retrying')).toEqual([40]);
    expect(level('step.succeeded')).toEqual([30]);
    const debug = recs.find((r) => r.msg === 'handshake done')!;
    expect(debug).toMatchObject({ level: 20, type: 'log', host: 'cp-1' });
  });

  it('is private to the user (0600) and appended to by a resumed run', async () => {
    const file = join(tmp(), 'run.log');
    await write(file, successRun());
    await write(file, successRun());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(records(file)).toHaveLength(successRun().length * 2);
  });

  it('keeps masked secrets masked', async () => {
    const file = join(tmp(), 'run.log');
    await write(file, maskedSecretRun());
    expect(readFileSync(file, 'utf8')).toContain('--token [REDACTED]');
  });

  it('fails with a clear error when the file cannot be opened', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a-file'), '');
    const make = () => new LogFileReporter(join(dir, 'a-file', 'run.log'));
    expect(make).toThrow(PlayError);
    expect(make).toThrow(/cannot open the log file .*a-file\/run\.log/);
  });

  it('loses nothing already emitted when the process is killed with SIGKILL', () => {
    const dist = fileURLToPath(new URL('../../dist/engine/report/log-reporter.js', import.meta.url));
    expect(existsSync(dist), 'build first (npm run build)').toBe(true);
    const file = join(tmp(), 'run.log');
    const events = retryThenSuccessRun();
    const script = `
      const { LogFileReporter } = await import(${JSON.stringify(dist)});
      const r = new LogFileReporter(${JSON.stringify(file)});
      for (const e of ${JSON.stringify(events)}) r.onEvent(e);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(records(file).map((r) => r.type)).toEqual(events.map((e) => e.type));
  });
});
