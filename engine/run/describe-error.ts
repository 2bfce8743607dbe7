// A failure as the events, the journal and the reporters carry it: a stable code, whether it is
// worth retrying, and — for a command — the program's own words as the message, with the command
// line, exit code and last output lines in their own fields.
import { CommandError, PlayError, lastLines } from '../errors.js';
import type { ErrorInfo } from '../events/types.js';

export function describeError(error: unknown): ErrorInfo & { retryable: boolean } {
  if (error instanceof CommandError) {
    const output = lastLines([error.stdout, error.stderr].filter(Boolean).join('\n'), 10);
    return {
      code: error.code,
      message: error.reason,
      retryable: error.retryable,
      command: error.command,
      ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}),
      ...(output ? { output } : {}),
    };
  }
  if (error instanceof PlayError) return { code: error.code, message: error.message, retryable: error.retryable };
  // Anything else is a bug in a step kind: show it, do not retry it.
  return { code: 'E_STEP', message: error instanceof Error ? error.message : String(error), retryable: false };
}
