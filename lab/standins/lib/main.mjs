// The frame of every stand-in: run it, turn a Fail into a message and an exit code, and append
// its actions.log line (argv, exit code and whatever the program recorded) once, at the end.
import { basename } from 'node:path';
import { logAction } from './log.mjs';
import { nodeView } from './env.mjs';
import { readText } from './files.mjs';

/** Thrown to end a stand-in with a message on stderr and an exit code, like the real program. */
export class Fail extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

export function fail(message, code = 1) {
  throw new Fail(message, code);
}

/** Print to stdout (pipes are synchronous on Linux, so nothing is lost at process.exit). */
export function out(text) {
  process.stdout.write(nodeView(text));
}

export function err(text) {
  process.stderr.write(nodeView(text));
}

/**
 * Run a stand-in. `fn(args, record)` returns an exit code (default 0); `record` collects extra
 * actions.log fields (event names, targets). The program name is the one it was invoked by.
 */
export async function standin(fn) {
  const started = new Date();
  const program = basename(process.argv[1] ?? 'standin');
  const args = process.argv.slice(2);
  const record = {};
  const finish = (exit, extra = {}) => {
    try {
      logAction({ time: started.toISOString(), argv: [program, ...args], ...record, ...extra, exit });
    } finally {
      process.exit(exit);
    }
  };
  for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
    process.on(sig, () => finish(128 + n, { signal: sig }));
  }
  let exit = 0;
  try {
    injectedFailure(program, args, record);
    exit = (await fn(args, record)) ?? 0;
  } catch (e) {
    if (e instanceof Fail) {
      if (e.message) err(e.message.endsWith('\n') ? e.message : e.message + '\n');
      exit = e.code;
    } else {
      err(`lab stand-in ${program} crashed: ${e?.stack ?? e}\n`);
      exit = 70;
    }
  }
  finish(exit);
}

/** Tests break one node's program on purpose: a node file /var/lib/lab/fail/PROGRAM-ARG1 (e.g.
 * kubeadm-join) or /var/lib/lab/fail/PROGRAM makes the run fail at once with exit 1 and the
 * file's text (or a default) on stderr, before the program does anything. */
function injectedFailure(program, args, record) {
  for (const name of args[0] ? [`${program}-${args[0]}`, program] : [program]) {
    const text = readText(`/var/lib/lab/fail/${name}`);
    if (text === undefined) continue;
    record.injected = name;
    fail(text.trim() || `lab: failure injected by /var/lib/lab/fail/${name}`);
  }
}
