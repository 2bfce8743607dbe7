// The journal survives what disks do (issue 10, items 5 and 8): a torn last line is the write that
// never happened, damage anywhere else is still an error; a disk that fills up mid-run (ENOSPC, a
// real tmpfs in a private mount namespace) or a short write (RLIMIT_FSIZE) stops the run with a
// clear error and the state stays resumable; a --state that is a symlink is followed.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../engine/journal/journal.js';
import { CLI, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

const run = promisify(execFile);
afterEach(stopStrayProcesses);

/** A playbook of `n` steps, each leaving a marker file; `extra` goes first. */
function markers(dir: string, n: number, extra = ''): string {
  const steps = Array.from({ length: n }, (_, i) => `      - { id: s${i}, uses: shell, with: { run: "touch ${dir}/m${i}" } }`).join('\n');
  return writePlaybook(dir, `name: markers\nphases:\n  - name: main\n    hosts: all\n    steps:\n${extra}${steps}\n`);
}

const stateLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('a torn last line', () => {
  it('is the write that never happened: the resume re-checks that step and finishes (exit 0)', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(
      dir,
      `name: torn\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: one, uses: shell, with: { run: "echo one" } }\n      - { id: two, uses: shell, with: { run: "touch ${dir}/two", creates: "${dir}/two" } }\n      - { id: three, uses: shell, with: { run: "echo three" } }\n`,
    );
    const state = join(dir, 'state.json');
    expect((await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir })).code).toBe(0);
    // As if the machine died inside the write of "two succeeded": keep what came before it and
    // half of that line.
    const lines = stateLines(state);
    const at = lines.findIndex((l) => l.includes('"main/h1/two"') && l.includes('"succeeded"'));
    expect(at).toBeGreaterThan(0);
    writeFileSync(state, lines.slice(0, at).join('\n') + '\n' + lines[at]!.slice(0, Math.floor(lines[at]!.length / 2)));
    expect(readJournal(state).steps['main/h1/two']!.status).toBe('running');

    const r = await runCli(['run', pb, '-i', inv, '--state', state, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const events = parseEvents(r.stdout);
    expect(events.find((e) => e.type === 'step.skipped' && e.step === 'one')).toMatchObject({ reason: 'done' });
    // The torn step is checked again on the host (its creates: path is there), not taken as done.
    expect(events.find((e) => e.type === 'step.skipped' && e.step === 'two')).toMatchObject({ reason: 'creates' });
    expect(events.find((e) => e.type === 'step.succeeded' && e.step === 'three')).toBeDefined();
  });

  it('damage anywhere else is still an error (exit 2, naming the line), and the file is left untouched', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = markers(dir, 3);
    const state = join(dir, 'state.json');
    expect((await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir })).code).toBe(0);
    const lines = stateLines(state);
    lines[2] = lines[2]!.slice(0, 20);
    const damaged = lines.join('\n') + '\n';
    writeFileSync(state, damaged);
    const r = await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the state file is damaged \(line 3: .*\)\. It was left untouched: move it aside or pass --fresh/);
    expect(readFileSync(state, 'utf8')).toBe(damaged);
  });
});

describe('a disk that fills up mid-run', () => {
  it('ENOSPC on the state (a full tmpfs): exit 1 with a clear error, whole lines only; after making room the same command resumes and finishes', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    // The third step fills the disk the state lives on (once); the ones after it need new
    // journal pages that are no longer there.
    const pb = markers(dir, 40, `      - { id: fill, uses: shell, with: { run: "test -e ${dir}/filled || { touch ${dir}/filled; dd if=/dev/zero of=${mnt}/filler bs=4k 2>/dev/null; true; }" } }\n`);
    const state = join(mnt, 'state.json');
    const cli = (n: number) => `"${process.execPath}" "${CLI}" run "${pb}" -i "${inv}" --state "${state}" --log-file "${dir}/run${n}.log" --plain > "${dir}/out${n}" 2>&1; echo $? > "${dir}/code${n}"`;
    // A private mount namespace: the tmpfs exists for this script only and vanishes with it.
    const script = [
      `mount -t tmpfs -o size=128k tmpfs "${mnt}" || exit 9`,
      cli(1),
      `cp "${state}" "${dir}/state-after-enospc.json"`,
      `ls "${dir}" > "${dir}/files-after-enospc"`,
      // Still full: the next run cannot even write its snapshot, and changes nothing.
      cli(0),
      `rm -f "${mnt}/filler"`,
      cli(2),
      `cp "${state}" "${dir}/state-final.json"`,
    ].join('\n');
    await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { timeout: 120_000 }).catch((e: { stderr?: string }) => { throw new Error(`the script failed: ${e.stderr}`); });

    const out1 = readFileSync(join(dir, 'out1'), 'utf8');
    expect(readFileSync(join(dir, 'code1'), 'utf8').trim(), out1).toBe('1');
    expect(out1).toMatch(/cannot write the state .*state\.json: no space left on the device \(ENOSPC\)\. The run stopped here; the state up to the last whole record is kept: make room/);
    // It stopped: the last steps had not run.
    expect(readFileSync(join(dir, 'files-after-enospc'), 'utf8').split('\n')).not.toContain('m39');
    const after = readFileSync(join(dir, 'state-after-enospc.json'), 'utf8');
    expect(after.endsWith('\n')).toBe(true);
    expect(() => readJournal(join(dir, 'state-after-enospc.json'))).not.toThrow();

    const out0 = readFileSync(join(dir, 'out0'), 'utf8');
    expect(readFileSync(join(dir, 'code0'), 'utf8').trim(), out0).toBe('1');
    expect(out0).toMatch(/cannot write the state .*state\.json: no space left on the device \(ENOSPC\)\. Nothing ran; the state file is as it was/);

    const out2 = readFileSync(join(dir, 'out2'), 'utf8');
    expect(readFileSync(join(dir, 'code2'), 'utf8').trim(), out2).toBe('0');
    for (let i = 0; i < 40; i++) expect(existsSync(join(dir, `m${i}`)), `m${i}`).toBe(true);
    const final = readJournal(join(dir, 'state-final.json'));
    expect(Object.values(final.steps).every((s) => s.status === 'succeeded' || s.status === 'skipped')).toBe(true);
  });

  it('a short write (the file size limit cuts a line): cut back to whole lines, exit 1 naming the cause; resumable', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = markers(dir, 20);
    const state = join(dir, 'state.json');
    // RLIMIT_FSIZE: a write past 6 KiB is cut short, the next one fails with EFBIG.
    const limited = await run('prlimit', ['--fsize=6144', process.execPath, CLI, 'run', pb, '-i', inv, '--state', state, '--log-file', join(dir, 'run.log'), '--plain'], {
      cwd: dir,
      timeout: 60_000,
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(limited.code, limited.out).toBe(1);
    expect(limited.out).toMatch(/cannot write the state .*state\.json: the file is too large for this process or file system \(EFBIG\)/);
    const text = readFileSync(state, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(6144);
    const r = await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    for (let i = 0; i < 20; i++) expect(existsSync(join(dir, `m${i}`)), `m${i}`).toBe(true);
  });
});

describe('a --state that is a symlink', () => {
  it('is followed: the target is written and the link kept, and the next run resumes through it', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = markers(dir, 2);
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'state.json');
    const link = join(dir, 'state-link.json');
    symlinkSync('real/state.json', link);
    const first = await runCli(['run', pb, '-i', inv, '--state', link, '--plain'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real/state.json');
    expect(readJournal(target).steps['main/h1/s1']!.status).toBe('succeeded');
    const second = await runCli(['run', pb, '-i', inv, '--state', link, '--json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(parseEvents(second.stdout).filter((e) => e.type === 'step.skipped').map((e) => ('reason' in e ? e.reason : ''))).toEqual(['done', 'done']);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readJournal(target).runs).toHaveLength(2);
  });
});
