// Runs the compiled CLI as a child process, the way a user and a CI pipeline do.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PlayEvent } from '../../engine/events/types.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every CliProcess still running; a test that fails midway leaves none behind (see below). */
const live = new Set<ChildProcess>();

/** Kill (by pid) every CLI a test started and did not see exit; for afterEach. */
export function stopStrayProcesses(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** A running CLI whose --json events can be awaited one by one. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly events: PlayEvent[] = [];
  stdout = '';
  stderr = '';
  private buffer = '';
  private waiters: { pred: (e: PlayEvent) => boolean; resolve: (e: PlayEvent) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => this.onData(d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    live.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      }),
    );
  }

  /** Resolves with the first event (past or future) matching pred. */
  waitFor(pred: (e: PlayEvent) => boolean): Promise<PlayEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      void this.exited.then(() => {
        const late = this.events.find(pred);
        if (late) resolve(late);
        else reject(new Error(`process exited before the awaited event\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      });
    });
  }

  private onData(text: string): void {
    this.stdout += text;
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let event: PlayEvent;
      try {
        event = JSON.parse(line) as PlayEvent;
      } catch {
        continue;
      }
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(event)) return true;
        w.resolve(event);
        return false;
      });
    }
  }
}

export function parseEvents(stdout: string): PlayEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as PlayEvent);
}
