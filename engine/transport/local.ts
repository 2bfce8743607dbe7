// The `local` transport: commands run on the controller with execa, files written atomically.
// Same contract as SSH, so a playbook runs unchanged against either.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { PlayError } from '../errors.js';
import { writeFileAtomic } from '../journal/atomic-write.js';
import { exportEnv, quote } from '../util/shell.js';
import { LineSplitter } from './line-splitter.js';
import { wrapCommand } from './ssh/command-line.js';
import { PromptWatcher } from './prompt-watcher.js';
import type { ExecOptions, ExecResult, Transport, UploadOptions, UploadResult } from './types.js';

export class LocalTransport implements Transport {
  constructor(readonly host: string) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    // execa is loaded with the first local command: runs on SSH hosts only never load it.
    const { execa } = await import('execa');
    const started = Date.now();
    const script = wrap(`${exportEnv(options.env)}${command}`, options);
    let promptError: PlayError | undefined;
    let timedOut = false;
    // Its own process group, so an abort or timeout kills the whole command tree, not just sh.
    const child = execa('/bin/sh', ['-c', script], {
      reject: false,
      detached: true,
      stdin: options.answers || options.stdin !== undefined ? 'pipe' : 'ignore',
      stripFinalNewline: false,
      encoding: 'utf8',
    });
    const killTree = () => {
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 2000).unref();
    };
    const onAbort = () => killTree();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) killTree();
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killTree();
        }, options.timeoutMs)
      : undefined;
    const out = new LineSplitter((line) => options.onLine?.(line, 'stdout'));
    const err = new LineSplitter((line) => options.onLine?.(line, 'stderr'));
    options.onStarted?.();
    const watcher = options.answers
      ? new PromptWatcher({
          answers: options.answers,
          failOnUnmatched: true,
          idleMs: options.promptIdleMs ?? 2000,
          send: (text) => child.stdin?.write(text),
          onUnmatched: (prompt, screen) => {
            promptError = new PlayError(`${this.host}: the command is waiting for input that no answer matches: "${prompt}"\nThe terminal shows:\n${screen}`, {
              code: 'E_PROMPT',
              host: this.host,
            });
            killTree();
          },
        })
      : undefined;
    child.stdout?.on('data', (d: Buffer) => {
      const text = out.push(d);
      watcher?.feed(text);
    });
    child.stderr?.on('data', (d: Buffer) => {
      const text = err.push(d);
      watcher?.feed(text);
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    const result = await child;
    if (timer) clearTimeout(timer);
    watcher?.stop();
    out.flush();
    err.flush();
    options.signal?.removeEventListener('abort', onAbort);
    if (promptError) throw promptError;
    if (options.signal?.aborted) throw new PlayError(`${this.host}: aborted: ${command}`, { code: 'E_ABORTED', host: this.host });
    return {
      command,
      exitCode: result.exitCode,
      signal: result.signal,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      durationMs: Date.now() - started,
      timedOut,
    };
  }

  async upload(options: UploadOptions): Promise<UploadResult> {
    const content = typeof options.content === 'string' ? Buffer.from(options.content) : options.content;
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (existsSync(options.path) && createHash('sha256').update(readFileSync(options.path)).digest('hex') === sha256) {
      if (options.mode !== undefined) chmodSync(options.path, options.mode);
      return { changed: false, sha256 };
    }
    mkdirSync(dirname(options.path), { recursive: true });
    writeFileAtomic(options.path, content, { mode: options.mode ?? 0o644, fsync: true });
    if (options.mode !== undefined) chmodSync(options.path, options.mode);
    if (options.owner || options.group) {
      const r = await this.exec(`chown ${quote(`${options.owner ?? ''}${options.group ? `:${options.group}` : ''}`)} ${quote(options.path)}`);
      if (r.exitCode !== 0) throw new PlayError(`${this.host}: chown ${options.path} failed: ${r.stderr.trim()}`, { code: 'E_STEP', host: this.host });
    }
    return { changed: true, sha256 };
  }

  async download(path: string): Promise<Buffer> {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new PlayError(`${this.host}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, { code: 'E_STEP', host: this.host });
    }
  }

  async close(): Promise<void> {}
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

// The same privilege change as over SSH; locally sudo never asks (-n): no password to give it.
function wrap(script: string, options: ExecOptions): string {
  return wrapCommand(script, {
    sudo: options.sudo ?? false,
    ...(options.runAs === undefined ? {} : { runAs: options.runAs }),
    loginUser: process.getuid?.() === 0 ? 'root' : userInfo().username,
    sudoMode: 'nopasswd',
  });
}
