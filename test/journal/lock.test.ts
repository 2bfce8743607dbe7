// One run per state, for real (issue 10, items 6 and 7): two processes released together on a
// stale lock never both take it over; a run killed with kill -9 that lingers as a zombie (its
// parent never reaps it) holds nothing; a pid recorded in a lock or a run that now belongs to
// another process (another start time) is dead too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../engine/journal/journal.js';
import { CLI, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

const LOCK_MODULE = fileURLToPath(new URL('../../dist/engine/journal/lock.js', import.meta.url));
const CONTENDER = fileURLToPath(new URL('./lock-contender.mjs', import.meta.url));

const children: ChildProcess[] = [];
afterEach(() => {
  stopStrayProcesses();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function started(child: ChildProcess): ChildProcess {
  children.push(child);
  return child;
}

/** A pid that was used and is free now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

/** /proc/PID/stat's state letter, or '' when the process is gone. */
function procState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return '';
  }
}

/** Resolves once `test` holds (a file written by another process: polled every 5 ms). */
function waitUntil(test: () => boolean, what: string, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (test()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

class Contender {
  readonly child: ChildProcess;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | undefined;

  constructor() {
    this.child = started(spawn(process.execPath, [CONTENDER, LOCK_MODULE], { stdio: ['pipe', 'pipe', 'inherit'] }));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.answers.push(line);
    });
  }

  next(): Promise<string> {
    const ready = this.answers.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
}

describe('the state lock', () => {
  it('two runs released together on a stale lock never both take it over (200 trials)', async () => {
    const dir = workdir();
    const dead = deadPid();
    const a = new Contender();
    const b = new Contender();
    expect([await a.next(), await b.next()]).toEqual(['ready', 'ready']);
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const state = join(dir, `s${i}.json`);
      writeFileSync(`${state}.lock`, JSON.stringify({ pid: dead, host: hostname(), runId: `gone-${i}`, since: '2026-01-01T00:00:00.000Z' }));
      const go = join(dir, `go${i}`);
      a.send(`${state} ${go}`);
      b.send(`${state} ${go}`);
      expect([await a.next(), await b.next()]).toEqual(['armed', 'armed']);
      writeFileSync(go, ''); // both spinning: released together
      const got = [await a.next(), await b.next()];
      outcomes.push(got.map((g) => (g === 'acquired' ? 'A' : 'L')).join(''));
      expect(got.filter((g) => g === 'acquired'), `trial ${i}: ${got.join(', ')}`).toHaveLength(1);
      expect(got.find((g) => g !== 'acquired')).toMatch(/^locked E_LOCKED$/);
    }
    a.child.stdin!.end();
    b.child.stdin!.end();
    // No takeover files are left behind.
    const left = spawnSync('sh', ['-c', `ls "${dir}" | grep -c takeover || true`]).stdout.toString().trim();
    expect(left).toBe('0');
    expect(outcomes).toHaveLength(200);
  });

  it('a run killed with kill -9 and left a zombie (its parent never reaps it) holds nothing: the next run takes over', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(
      dir,
      `name: zombie\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: wait, uses: shell, with: { run: "echo waiting; while ! test -e ${dir}/go; do sleep 0.05; done" } }\n`,
    );
    const state = join(dir, 'state.json');
    // sh starts the run in the background, prints its pid, then becomes a sleep that never reaps.
    const parent = started(
      spawn('sh', ['-c', `"${process.execPath}" "${CLI}" run "${pb}" -i "${inv}" --state "${state}" --json > "${dir}/first.out" 2>&1 & echo $!; exec sleep 300`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const pid = Number(await new Promise<string>((resolve) => createInterface({ input: parent.stdout! }).once('line', resolve)));
    const out = join(dir, 'first.out');
    await waitUntil(() => existsSync(out) && readFileSync(out, 'utf8').includes('"type":"step.started"'), 'the first run to start its step');
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => procState(pid) === 'Z', `pid ${pid} to be a zombie`);
    writeFileSync(join(dir, 'go'), ''); // the orphaned step's shell ends too

    const r = await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir });
    expect(procState(pid)).toBe('Z'); // still not reaped, and yet
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/in use by another run/);
    const runs = readJournal(state).runs;
    expect(runs.map((x) => x.outcome)).toEqual(['interrupted', 'succeeded']);
  });

  it('a lock naming a live pid that now belongs to another process (another start time) is stale', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(dir, `name: reuse\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: one, uses: shell, with: { run: "echo one" } }\n`);
    const state = join(dir, 'state.json');
    const other = started(spawn('sleep', ['300'], { stdio: 'ignore' }));
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // The run that wrote it had this pid, but started at another time than the process now using it.
    writeFileSync(`${state}.lock`, JSON.stringify({ pid: other.pid, start: `${boot}/1`, host: hostname(), runId: 'old-run', since: '2026-01-01T00:00:00.000Z' }));
    const r = await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(procState(other.pid!)).not.toBe('');
  });

  it('status shows a run whose recorded pid is now another process as interrupted, not running', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(dir, `name: st\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: one, uses: shell, with: { run: "echo one" } }\n`);
    const state = join(dir, 'state.json');
    expect((await runCli(['run', pb, '-i', inv, '--state', state, '--plain'], { cwd: dir })).code).toBe(0);
    const other = started(spawn('sleep', ['300'], { stdio: 'ignore' }));
    // Rewrite the state as if the run had died while running, its pid since given to `other`.
    const lines = readFileSync(state, 'utf8').split('\n').filter(Boolean);
    const head = JSON.parse(lines[0]!) as { snapshot: { runs: Record<string, unknown>[] } };
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    head.snapshot.runs = [{ runId: 'r1', startedAt: '2026-01-01T00:00:00.000Z', outcome: 'running', pid: other.pid, pidStart: `${boot}/1` }];
    writeFileSync(state, `${JSON.stringify(head)}\n`);
    const r = await runCli(['status', '--state', state], { cwd: dir });
    expect(r.code, r.stderr).toBe(130); // status's exit code for a last run that was interrupted
    expect(r.stdout).toMatch(/r1 {2}interrupted {2}started/);
  });
});
