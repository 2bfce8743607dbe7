// --junit and --log-file paths that cannot be written are usage errors before the run starts
// (issue 10, item 12): exit 2, no step run, and nothing left behind — no temporary file beside
// the target, no state, no log file (a --junit naming a directory used to exit 0 after the run,
// with a rename error and a stray DIR.PID.tmp).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

afterEach(stopStrayProcesses);

function project() {
  const dir = workdir();
  const inv = localInventory(dir);
  const pb = writePlaybook(dir, `name: paths\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: "touch ${dir}/ran" } }\n`);
  return { dir, inv, pb };
}

describe('report paths that cannot be written', () => {
  it.each([
    ['--junit naming a directory', (dir: string) => ['--junit', join(dir, 'reports')], /cannot write the JUnit report to .*\/reports: it is a directory \(name a file in it, e\.g\. junit\.xml\)/],
    ['--junit inside a regular file', (dir: string) => ['--junit', join(dir, 'afile', 'junit.xml')], /cannot write the JUnit report to .*afile\/junit\.xml: .*afile is not a directory/],
    ['--log-file naming a directory', (dir: string) => ['--log-file', join(dir, 'reports')], /cannot open the log file .*\/reports: EISDIR/],
  ])('%s: exit 2 before the run starts, nothing left behind', async (_name, extra, message) => {
    const { dir, inv, pb } = project();
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'afile'), 'x');
    const before = readdirSync(dir).sort();
    const r = await runCli(['run', pb, '-i', inv, '--plain', ...extra(dir)], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before); // no .tmp, no .podsec-play/ (state or log)
    expect(readdirSync(join(dir, 'reports'))).toEqual([]);
  });
});

describe('a report path that is a pipe or a device', () => {
  it('--junit naming a FIFO writes the report into it and leaves the FIFO in place (never renamed over)', async () => {
    const { dir, inv, pb } = project();
    const fifo = join(dir, 'junit.fifo');
    execFileSync('mkfifo', [fifo]);
    const out = join(dir, 'read.xml');
    // The reader (what a CI step would be) is there before the run opens the pipe.
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${out}"`], { stdio: 'ignore' });
    const read = new Promise((resolve) => reader.on('close', resolve));
    try {
      const r = await runCli(['run', pb, '-i', inv, '--plain', '--junit', fifo], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      await read;
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect(readFileSync(out, 'utf8')).toMatch(/^<\?xml[\s\S]*<testsuites /);
    } finally {
      if (reader.exitCode === null) reader.kill('SIGKILL');
    }
  });
});
