// Argument parsing shared by the commands: node's parseArgs, with usage errors as E_USAGE.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PlayError } from '../engine/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PlayError(`${(err as Error).message}\n\n${usage}`, { code: 'E_USAGE' });
  }
}

export function usageError(message: string, usage: string): PlayError {
  return new PlayError(`${message}\n\n${usage}`, { code: 'E_USAGE' });
}
