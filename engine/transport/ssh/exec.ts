// Runs one command on a live link: streams lines as they come, answers prompts, enforces the
// timeout and abort by killing and closing the channel, and turns a connection lost midway
// into a retryable E_CONNECT (the result of a command cut off is unknown, never "failed").
import type { ClientChannel, PseudoTtyOptions } from 'ssh2';
import { PlayError } from '../../errors.js';
import type { ExecResult, PromptAnswer } from '../types.js';
import { abortError, raceAbort } from './abort.js';
import { LineSplitter } from '../line-splitter.js';
import type { Link } from './link.js';
import { killCommand, MarkerFilter, pidMarkerPrefix } from './markers.js';
import { PromptWatcher, PTY_COLS, PTY_ROWS, PTY_TERM } from '../prompt-watcher.js';

export interface ChannelRequest {
  /** What runs remotely (already wrapped for sudo/env). */
  command: string;
  /** What the outcome and errors show (the command as the step wrote it). */
  display: string;
  pty: boolean;
  stdin?: Buffer;
  /** Keep stdin open after `stdin` (answers are written to it). */
  keepStdinOpen: boolean;
  /** PTY: the env script, typed when the command prints its `podsec-env` marker. */
  envOnRequest?: Buffer;
  /** Whole output lines that are the transport's own (sudo's PTY prompt): not reported. */
  hideLines?: string[];
  answers: PromptAnswer[];
  failOnUnmatchedPrompt: boolean;
  promptIdleMs: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called once the command runs (its input sent): see ExecOptions.onStarted. */
  onStarted?: () => void;
  /** Report the shell's pid so a timeout or abort can kill the command (see pid-marker.ts). */
  killable: boolean;
  /** How to run the kill: wrapped in sudo like the command itself, when it used sudo. */
  killVia?: (command: string) => { command: string; stdin?: Buffer };
  /** Internal one-off commands (kills) skip the session cap. */
  bypassLimit?: boolean;
}

export interface ChannelResult extends ExecResult {
  /** stdout bytes as received (downloads through sudo need them unchanged). */
  stdoutBytes: Buffer;
}

// A terminal type with cursor addressing (pinentry-curses refuses `dumb`), the size the prompt
// watcher's screen has, and no echo: answers (passwords) never come back in the output.
const PTY: PseudoTtyOptions = { term: PTY_TERM, cols: PTY_COLS, rows: PTY_ROWS, modes: { ECHO: 0 } };
/** After kill + close, how long to wait for the server to confirm before giving up on it. */
const CLOSE_GRACE_MS = 3000;
/** After TERM, how long before KILL. */
const KILL_ESCALATE_MS = 1000;
/** Tries to open a session refused by the server's session limit. */
const OPEN_ATTEMPTS = 20;

export async function runOnLink(link: Link, req: ChannelRequest): Promise<ChannelResult> {
  const host = link.host;
  if (req.signal?.aborted) throw abortError(host, `command ${req.display}`);
  if (req.killable) req = { ...req, command: `${pidMarkerPrefix()}${req.command}` };
  if (req.bypassLimit) return drive(link, await openChannelRetrying(link, req), req);
  let release = link.sessions.tryAcquire();
  if (!release) {
    const acquiring = link.sessions.acquire();
    try {
      release = await raceAbort(acquiring, req.signal, host, `command ${req.display}`);
    } catch (err) {
      void acquiring.then((r) => r());
      throw err;
    }
  }
  try {
    const channel = await openChannelRetrying(link, req);
    return await drive(link, channel, req);
  } finally {
    release();
  }
}

/**
 * sshd frees a finished session only after it has read the rest of the packets in hand, so
 * an open right after a close can still hit MaxSessions ("open failed"). Then wait for one of
 * our other sessions to end (or for the next turn of the event loop) and try again.
 */
async function openChannelRetrying(link: Link, req: ChannelRequest): Promise<ClientChannel> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openChannel(link, req);
    } catch (err) {
      const refused = err instanceof PlayError && err.code === 'E_CONNECT' && link.isAlive && /open failed/i.test(err.message);
      if (!refused || attempt >= OPEN_ATTEMPTS) throw err;
      if (link.sessions.inUse > 1) await link.sessions.nextRelease();
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
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
    let escalateTimer: NodeJS.Timeout | undefined;
    let failure: PlayError | undefined;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: () => void = () => undefined;

    const watcher =
      req.answers.length > 0 || req.failOnUnmatchedPrompt
        ? new PromptWatcher({
            answers: req.answers,
            failOnUnmatched: req.failOnUnmatchedPrompt,
            idleMs: req.promptIdleMs,
            pty: req.pty,
            send: (text) => {
              if (channel.writable) channel.write(text);
            },
            onUnmatched: (prompt, screen) => {
              failure = new PlayError(
                `${host}: the command is waiting at a prompt no answer matches: "${prompt}" (command: ${req.display})\nThe terminal shows:\n${screen}`,
                { code: 'E_PROMPT', host },
              );
              kill();
            },
          })
        : undefined;
    const marker = req.killable ? new MarkerFilter('podsec-pid') : undefined;
    const envRequest = req.envOnRequest
      ? new MarkerFilter('podsec-env', () => {
          if (channel.writable && req.envOnRequest) channel.write(req.envOnRequest);
          if (!req.keepStdinOpen) channel.end();
        })
      : undefined;
    const hidden = new Set(req.hideLines ?? []);
    const out = new LineSplitter((line) => {
      if (!hidden.has(line)) req.onLine?.(line, 'stdout');
    });
    const err = new LineSplitter((line) => {
      if (!hidden.has(line)) req.onLine?.(line, 'stderr');
    });

    const finish = (error?: PlayError): void => {
      if (settled) return;
      settled = true;
      watcher?.stop();
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(escalateTimer);
      req.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      if (!channel.destroyed) channel.close();
      if (error) {
        reject(error);
        return;
      }
      const held = marker?.flush();
      if (held && held.length > 0) (req.pty ? stdoutChunks : stderrChunks).push(held);
      const heldEnv = envRequest?.flush();
      if (heldEnv && heldEnv.length > 0) stdoutChunks.push(heldEnv);
      out.flush();
      err.flush();
      const stdoutBytes = Buffer.concat(stdoutChunks);
      const text = (b: Buffer): string => {
        const s = req.pty ? b.toString('utf8').replace(/\r\n/g, '\n') : b.toString('utf8');
        return hidden.size === 0 ? s : s.split('\n').filter((line) => !hidden.has(line)).join('\n');
      };
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

    let killing = false;
    let killsSent = false;
    /** Signal the command's process group once its pid is known (the marker may come after
     * the first output: stdout and stderr travel separately), then close the channel. */
    const sendKills = (): void => {
      const pid = marker?.pid;
      if (killsSent || (marker && pid === undefined)) return;
      killsSent = true;
      if (pid !== undefined) {
        sideExec(link, req, killCommand(pid, 'TERM'));
        escalateTimer = setTimeout(() => sideExec(link, req, killCommand(pid, 'KILL')), KILL_ESCALATE_MS);
      }
      channel.close();
    };
    const kill = (): void => {
      if (killing) return;
      killing = true;
      sendSignal(channel, 'KILL');
      sendKills();
      graceTimer = setTimeout(() => finish(failure), CLOSE_GRACE_MS);
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

    channel.on('data', (raw: Buffer) => {
      const unmarked = marker && req.pty ? marker.push(raw) : raw;
      const chunk = envRequest ? envRequest.push(unmarked) : unmarked;
      if (killing) sendKills();
      if (chunk.length === 0) return;
      stdoutChunks.push(chunk);
      const text = out.push(chunk);
      watcher?.feed(text);
    });
    channel.stderr.on('data', (raw: Buffer) => {
      const chunk = marker && !req.pty ? marker.push(raw) : raw;
      if (killing) sendKills();
      if (chunk.length === 0) return;
      stderrChunks.push(chunk);
      const text = err.push(chunk);
      watcher?.feed(text);
    });
    const recordExit = (code: unknown, signal: unknown): void => {
      if (typeof code === 'number') exitCode = code;
      if (typeof signal === 'string' && signal) exitSignal = signal.startsWith('SIG') ? signal : `SIG${signal}`;
    };
    // 'exit' may already have fired while the channel was handed to us (packets that arrive
    // together are handled in one go); 'close' repeats the exit status, so read it there too.
    channel.on('exit', recordExit);
    channel.on('error', () => undefined);
    channel.on('close', (code: unknown, signal: unknown) => {
      if (exitCode === undefined && exitSignal === undefined) recordExit(code, signal);
      // A drop also closes every channel; the link reports it first, so this sees settled.
      if (!link.isAlive) return finish(link.dropReason());
      finish(failure);
    });

    if (req.stdin && req.stdin.length > 0) channel.write(req.stdin);
    if (!req.keepStdinOpen && !req.envOnRequest) channel.end();
    req.onStarted?.();
  });
}

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
}

/**
 * ssh2's channel.signal() sends nothing once stdin was closed (it checks `writable`), yet the
 * command still runs; send the request on the open channel ourselves. sshd then kills the
 * session's process group. Servers without signal support ignore it; closing follows anyway.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const id = internals.outgoing?.id;
  const state = internals.outgoing?.state;
  const protocol = internals._client?._protocol;
  if (id === undefined || (state !== 'open' && state !== 'eof') || typeof protocol?.signal !== 'function') return;
  try {
    protocol.signal(id, name);
  } catch {
    // The connection is going away; the drop handler reports it.
  }
}

/** Fire-and-forget kill of a command's process group over a fresh session. */
function sideExec(link: Link, req: ChannelRequest, command: string): void {
  if (!link.isAlive) return;
  const wrapped = req.killVia ? req.killVia(command) : { command };
  runOnLink(link, {
    command: wrapped.command,
    display: command,
    pty: false,
    ...(wrapped.stdin ? { stdin: wrapped.stdin } : {}),
    keepStdinOpen: false,
    answers: [],
    failOnUnmatchedPrompt: false,
    promptIdleMs: 0,
    killable: false,
    bypassLimit: true,
  }).catch(() => undefined);
}
