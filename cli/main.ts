#!/usr/bin/env node
// podsec-play CLI entry: commander parses the arguments (help, suggestions, completion) and hands
// each command to its file in cli/commands/; every error leaves as a message and an exit code
// (README: 0 ok, 1 step failed, 2 invalid input or usage, 3 locked, 130 interrupted), never a stack.
import { CommanderError } from 'commander';
import { EXIT, InputError, errorMessage, exitCodeFor } from '../engine/errors.js';
import { createProgram } from './program.js';

// A reader that goes away (`podsec-play --help | head`, `--json | head -1`) is not an error of
// ours: the write is dropped, a run goes on (its log file still gets everything).
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT.invalid;
  }
  process.exitCode = EXIT.ok;
  await program.parseAsync(argv, { from: 'user' });
  return Number(process.exitCode ?? EXIT.ok);
}

/** commander's own exits: help and --version are success, every usage problem is exit 2. */
function commanderExit(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
  if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  return EXIT.invalid;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a stray handle still holds the loop, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    if (err instanceof CommanderError) {
      process.exitCode = commanderExit(err); // commander has printed the message already
      return;
    }
    // Input problems are FILE:LINE:COL: message lines, as compilers print them; the rest is ours.
    process.stderr.write(err instanceof InputError && err.diagnostics.length ? `${err.message}\n` : `podsec-play: ${errorMessage(err)}\n`);
    if (process.env.PODSEC_PLAY_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = exitCodeFor(err);
  },
);
