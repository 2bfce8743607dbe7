// What every command file shares: commander's Command, a way for an action to give the process
// its exit code, and usage errors (exit 2) worded like commander's own.
import { Command } from 'commander';
import { PlayError } from '../engine/errors.js';

export { Argument, Command, Option } from 'commander';

/** Wraps an action that returns the exit code (README: 0 ok, 1 step failed, 2 usage, …). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function exits<A extends any[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    process.exitCode = await action(...args);
  };
}

export function usageError(message: string): PlayError {
  return new PlayError(message, { code: 'E_USAGE' });
}

/** A subcommand with the house settings: help after an error, suggestions, no abbreviations. */
export function newCommand(name: string): Command {
  return new Command(name).showHelpAfterError('(add --help for usage)').allowExcessArguments(false);
}
