// Runs one command on a live link: streams lines as they come, answers prompts, enforces the
// timeout and abort by killing and closing the channel, and turns a connection lost midway
// into a retryable E_CONNECT (the result of a command cut off is unknown, never "failed").
import type { ClientChannel, PseudoTtyOptions } from 'ssh2';
import { PlayError } from '../../errors.js';
import type { ExecResult, PromptAnswer } from '../types.js';
import { abortError } from './abort.js';
import { LineSplitter } from './line-splitter.js';
import type { Link } from './link.js';
import { PromptWatcher } from './prompt-watcher.js';

export interface ChannelRequest {
  /** What runs remotely (already wrapped for sudo/env). */
  command: string;
  /** What the outcome and errors show (the command as the step wrote it). */
  display: string;
  pty: boolean;
  stdin?: Buffer;
  /** Keep stdin open after `stdin` (answers are written to it). */
  keepStdinOpen: boolean;
  answers: PromptAnswer[];
  failOnUnmatchedPrompt: boolean;
  promptIdleMs: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ChannelResult extends ExecResult {
  /** stdout bytes as received (downloads through sudo need them unchanged). */
  stdoutBytes: Buffer;
}

const PTY: PseudoTtyOptions = { term: 'dumb', cols: 200, rows: 50, modes: { ECHO: 0 } };
/** After kill + close, how long to wait for the server to confirm before giving up on it. */
const CLOSE_GRACE_MS = 2000;

export async function runOnLink(link: Link, req: ChannelRequest): Promise<ChannelResult> {
  const host = link.host;
  if (req.signal?.aborted) throw abortError(host, `command ${req.display}`);
  const acquiring = link.sessions.acquire();
  let release: () => void;
  try {
    release = await waitOrAbort(acquiring, req.signal, host, req.display);
  } catch (err) {
    void acquiring.then((r) => r());
    throw err;
  }
  try {
    const channel = await openChannel(link, req);
    return await drive(link, channel, req);
  } finally {
    release();
  }
}

function waitOrAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, host: string, what: string): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(host, `command ${what}`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function openChannel(link: Link, req: ChannelRequest): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, channel: ClientChannel): void => {
      if (err) {
        reject(
          link.isAlive
            ? new PlayError(`${link.host}: cannot start a session for ${req.display}: ${err.message}`, {
                code: 'E_CONNECT',
                host: link.host,
                retryable: true,
                cause: err,
              })
            : link.dropReason(),
        );
        return;
      }
      resolve(channel);
    };
    if (!link.isAlive) return reject(link.dropReason());
    if (req.pty) link.client.exec(req.command, { pty: PTY }, cb);
    else link.client.exec(req.command, cb);
  });
}

function drive(link: Link, channel: ClientChannel, req: ChannelRequest): Promise<ChannelResult> {
  const host = link.host;
  const started = Date.now();
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: Buffer[] = [];
  let exitCode: number | undefined;
  let exitSignal: string | undefined;
  let timedOut = false;

  return new Promise<ChannelResult>((resolve, reject) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let failure: PlayError | undefined;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: () => void = () => undefined;

    const watcher = new PromptWatcher({
      answers: req.answers,
      failOnUnmatched: req.failOnUnmatchedPrompt,
      idleMs: req.promptIdleMs,
      send: (text) => {
        if (channel.writable) channel.write(text);
      },
      onUnmatched: (prompt) => {
        failure = new PlayError(
          `${host}: the command is waiting at a prompt no answer matches: "${prompt}" (command: ${req.display})`,
          { code: 'E_PROMPT', host },
        );
        kill();
      },
    });
    const out = new LineSplitter((line) => req.onLine?.(line, 'stdout'));
    const err = new LineSplitter((line) => req.onLine?.(line, 'stderr'));

    const finish = (error?: PlayError): void => {
      if (settled) return;
      settled = true;
      watcher.stop();
      clearTimeout(timer);
      clearTimeout(graceTimer);
      req.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      if (error) {
        if (!channel.destroyed) channel.close();
        reject(error);
        return;
      }
      out.flush();
      err.flush();
      const stdoutBytes = Buffer.concat(stdoutChunks);
      const text = (b: Buffer): string => (req.pty ? b.toString('utf8').replace(/\r\n/g, '\n') : b.toString('utf8'));
      resolve({
        command: req.display,
        exitCode: timedOut ? undefined : exitCode,
        signal: exitSignal,
        stdout: text(stdoutBytes),
        stderr: text(Buffer.concat(stderrChunks)),
        durationMs: Date.now() - started,
        timedOut,
        stdoutBytes,
      });
    };

    const kill = (): void => {
      try {
        channel.signal('KILL');
      } catch {
        // The server may not support signals; closing the channel is enough then.
      }
      channel.close();
      graceTimer ??= setTimeout(() => finish(failure), CLOSE_GRACE_MS);
    };

    const onAbort = (): void => {
      failure = abortError(host, `command ${req.display}`);
      kill();
    };

    unsubscribe = link.onDrop((dropErr) => finish(dropErr));
    if (settled) return;
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, req.timeoutMs);
    }

    channel.on('data', (chunk: Buffer) => {
      stdoutChunks.push(chunk);
      watcher.feed(out.push(chunk));
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderrChunks.push(chunk);
      watcher.feed(err.push(chunk));
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      if (typeof code === 'number') exitCode = code;
      if (signal) exitSignal = signal.startsWith('SIG') ? signal : `SIG${signal}`;
    });
    channel.on('error', () => undefined);
    channel.on('close', () => {
      // A drop also closes every channel; the link reports it first, so this sees settled.
      if (!link.isAlive) return finish(link.dropReason());
      finish(failure);
    });

    if (req.stdin && req.stdin.length > 0) channel.write(req.stdin);
    if (!req.keepStdinOpen) channel.end();
  });
}
