// Typed errors in one place: each has a stable `code`, a `retryable` flag decided where the
// error is made, and an optional `host`, so reporters never guess from message text.
import { stripVTControlCharacters } from 'node:util';

export type ErrorCode =
  | 'E_INPUT' // bad playbook, inventory or flags (exit 2)
  | 'E_USAGE' // bad command line (exit 2)
  | 'E_STATE' // journal torn, corrupt or does not match (exit 2)
  | 'E_IO' // the controller cannot write the state (disk full, I/O error): the run stops, resumable (exit 1)
  | 'E_LOCKED' // another run holds the state (exit 3)
  | 'E_COMMAND' // a remote or local command exited non-zero
  | 'E_TIMEOUT' // a step or command passed its deadline
  | 'E_ABORTED' // Ctrl-C / SIGTERM
  | 'E_CONNECT' // could not reach a host (DNS, refused, timeout, dropped)
  | 'E_AUTH' // every authentication method failed
  | 'E_HOSTKEY' // unknown or changed host key
  | 'E_SEALED' // SSH was turned off on this host by an earlier run (exit 2: a re-run cannot fix it)
  | 'E_PROMPT' // an interactive prompt that no answer matched
  | 'E_STEP'; // a step kind's own failure (check failed, precondition not met)

export interface PlayErrorOptions {
  code: ErrorCode;
  retryable?: boolean;
  host?: string;
  cause?: unknown;
}

export class PlayError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly host: string | undefined;

  constructor(message: string, options: PlayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlayError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.host = options.host;
  }
}

/** One problem in an input file, printed as `FILE:LINE:COL: message`. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** Invalid input: carries every problem found, not just the first. Exit code 2. */
export class InputError extends PlayError {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'), { code: 'E_INPUT' });
    this.name = 'InputError';
    this.diagnostics = diagnostics;
  }
}

/** The same field names as execa's result, so local and remote failures look alike. */
export interface CommandOutcome {
  command: string;
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export class CommandError extends PlayError implements CommandOutcome {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** `command exited with code 2: CMD` — what happened, with the command line. */
  readonly shortMessage: string;
  /** Why, in the program's own words (failureWords), or `exited with code 2` when it said nothing. */
  readonly reason: string;

  constructor(outcome: CommandOutcome, options: { host?: string; retryable?: boolean; what?: string } = {}) {
    const how = outcome.timedOut
      ? 'timed out'
      : outcome.signal
        ? `was killed by ${outcome.signal}`
        : `exited with code ${outcome.exitCode}`;
    const shortMessage = `${options.what ?? 'command'} ${how}: ${outcome.command}`;
    const tail = lastLines(outcome.stderr || outcome.stdout, 5);
    super(tail ? `${shortMessage}\n${tail}` : shortMessage, {
      code: outcome.timedOut ? 'E_TIMEOUT' : 'E_COMMAND',
      retryable: options.retryable ?? true,
      ...(options.host === undefined ? {} : { host: options.host }),
    });
    this.name = 'CommandError';
    this.command = outcome.command;
    this.exitCode = outcome.exitCode;
    this.signal = outcome.signal;
    this.stdout = outcome.stdout;
    this.stderr = outcome.stderr;
    this.durationMs = outcome.durationMs;
    this.timedOut = outcome.timedOut;
    this.shortMessage = shortMessage;
    this.reason = failureWords(outcome.stdout, outcome.stderr) || how;
  }
}

/** Lines programs print around a failure that say nothing about its cause. */
const BOILERPLATE: RegExp[] = [
  /^To see the stack trace of this error execute with --v=\d+ or higher$/, // kubeadm
  /^\[preflight\] If you know what you are doing, you can make a check non-fatal with/, // kubeadm
  /^Run '.*--help' for usage\.?$/, // kubectl and friends
];

/**
 * The failing program's own words: the last meaningful lines of its stderr (of its stdout when
 * stderr says nothing), escape codes and boilerplate removed; empty when it printed nothing.
 */
export function failureWords(stdout: string, stderr: string, n = 3): string {
  const meaningful = (text: string) =>
    stripVTControlCharacters(text)
      .split(/\r?\n/)
      .map((l) => l.replace(/\t/g, '  ').trimEnd())
      .filter((l) => l.trim() !== '' && !BOILERPLATE.some((re) => re.test(l.trim())));
  const lines = meaningful(stderr);
  return (lines.length ? lines : meaningful(stdout)).slice(-n).join('\n');
}

export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/** Exit codes documented in the README. */
export const EXIT = {
  ok: 0,
  stepFailed: 1,
  invalid: 2,
  locked: 3,
  interrupted: 130,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof PlayError) {
    switch (err.code) {
      case 'E_INPUT':
      case 'E_USAGE':
      case 'E_STATE':
      case 'E_SEALED': // a re-run cannot reach a host whose SSH is off
        return EXIT.invalid;
      case 'E_LOCKED':
        return EXIT.locked;
      case 'E_ABORTED':
        return EXIT.interrupted;
      default:
        return EXIT.stepFailed;
    }
  }
  return EXIT.stepFailed;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
