// One exec (or shell) request on a node: /bin/sh -c with the command's paths rewritten into the
// node root, in its own process group so that closing the channel kills everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { ServerChannel } from 'ssh2';

export interface ExecRequest {
  /** The command as the client sent it (undefined: an interactive shell). */
  command: string | undefined;
  cwd: string;
  env: Record<string, string>;
  /** A pty was requested: stderr merges into stdout, \n leaves as \r\n, \r arrives as \n. */
  pty: boolean;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function toTerminal(chunk: Buffer): Buffer {
  return chunk.includes(10) ? Buffer.from(chunk.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : chunk;
}

function fromTerminal(chunk: Buffer): Buffer {
  return chunk.includes(13) ? Buffer.from(chunk.toString('latin1').replace(/\r\n?/g, '\n'), 'latin1') : chunk;
}

/** SSH can name only some signals (RFC 4254); others leave as 128+N, like a shell reports them. */
const SSH_SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2', 'KILL', 'PIPE']);

function sendExit(channel: ServerChannel, code: number | null, signal: NodeJS.Signals | null): void {
  if (!signal) return channel.exit(code ?? 0);
  const name = signal.replace(/^SIG/, '');
  if (SSH_SIGNALS.has(name)) channel.exit(name, false, '');
  else channel.exit(128 + (constants.signals[signal] ?? 0));
}

export function runExec(channel: ServerChannel, req: ExecRequest): ChildProcess {
  // With a pty, one stream like a terminal: stderr joins stdout at the fd level, so order is kept.
  const args = req.command === undefined ? (req.pty ? ['-i'] : []) : ['-c', req.pty ? `exec 2>&1\n${req.command}` : req.command];
  const child = spawn('/bin/sh', args, { cwd: req.cwd, env: req.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let finished = false;

  child.stdout.on('data', (d: Buffer) => channel.write(req.pty ? toTerminal(d) : d));
  child.stderr.on('data', (d: Buffer) => (req.pty ? channel.write(toTerminal(d)) : channel.stderr.write(d)));
  child.stdin.on('error', () => undefined); // EPIPE when the program does not read its input
  channel.on('data', (d: Buffer) => {
    if (req.pty && d.includes(3)) killGroup(child, 'SIGINT');
    child.stdin.write(req.pty ? fromTerminal(d) : d);
  });
  channel.on('end', () => child.stdin.end());
  channel.on('error', () => undefined);
  channel.on('close', () => {
    if (finished) return;
    killGroup(child, 'SIGTERM');
    setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
  });
  child.on('error', (err) => {
    finished = true;
    channel.stderr.write(`lab: cannot run /bin/sh: ${err.message}\n`);
    channel.exit(127);
    channel.end();
  });
  child.on('close', (code, signal) => {
    finished = true;
    sendExit(channel, code, signal);
    channel.end();
  });
  return child;
}

/** `signal` requests from the client go to the whole process group. */
export function signalFor(name: string): NodeJS.Signals | undefined {
  const sig = `SIG${name.replace(/^SIG/, '').toUpperCase()}`;
  return ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGABRT', 'SIGALRM'].includes(sig)
    ? (sig as NodeJS.Signals)
    : undefined;
}
