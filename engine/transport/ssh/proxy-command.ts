// ssh's ProxyCommand: a command (run by the shell, like ssh does) whose stdin and stdout carry
// the SSH connection to the first hop — `ssh -W %h:%p bastion`, `nc -X 5 -x proxy %h %p`, a
// cloud CLI's tunnel. Its stdio becomes the socket ssh2 talks over; its stderr goes to the log,
// and it is killed when the connection closes.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { PlayError } from '../../errors.js';
import { describeHop, type HopContext } from './errors.js';

/** The last lines a failing proxy command wrote to stderr, for the error. */
const STDERR_KEEP = 2000;
/** How long to wait, after the command exited, for the rest of its stderr. */
const STDERR_DRAIN_MS = 1000;

export interface ProxySocket {
  socket: Duplex;
  /** Why the command ended before the connection did, once it has. */
  failure(): PlayError | undefined;
  /** Settles when the command has exited (or could not start). */
  ended: Promise<void>;
}

export function proxyCommandSocket(command: string, ctx: HopContext, log: (line: string) => void = () => undefined): ProxySocket {
  const shell = process.env.SHELL || '/bin/sh';
  const child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    stderr = (stderr + text).slice(-STDERR_KEEP);
    for (const line of text.split('\n')) if (line.trim()) log(`ProxyCommand: ${line.trim()}`);
  });
  const socket = Duplex.from({ readable: child.stdout, writable: child.stdin });
  let failure: PlayError | undefined;
  // The socket just closes (ssh2 then reports a closed connection); the reason is kept for the error.
  const fail = (why: string) => {
    failure ??= new PlayError(`${describeHop(ctx)}: ProxyCommand ${why}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`, {
      code: 'E_CONNECT',
      host: ctx.host,
      retryable: true,
    });
    socket.destroy();
  };
  const ended = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      fail(`could not start (${err.message})`);
      resolve();
    });
    child.once('exit', (code, signal) => {
      const byUs = closedByUs;
      // 'exit' can come before the last of stderr has been read: the error names what the
      // command said, so wait for its stderr to close (bounded: a process it left behind may
      // hold the pipe open).
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        clearTimeout(cap);
        if (!byUs) fail(signal ? `was killed by ${signal}` : `exited with code ${code}`);
        resolve();
      };
      const cap = setTimeout(settle, STDERR_DRAIN_MS);
      if (child.stderr.closed) settle();
      else child.stderr.once('close', settle);
    });
  });
  // Errors on the pipes follow the child's own exit; the socket reports them.
  child.stdin.on('error', () => undefined);
  child.stdout.on('error', () => undefined);
  socket.on('error', () => undefined);
  let closedByUs = false;
  socket.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) {
      closedByUs = true;
      child.kill('SIGTERM');
    }
  });
  return { socket, failure: () => failure, ended };
}
