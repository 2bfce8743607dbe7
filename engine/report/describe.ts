// The words every reporter uses for the same facts (why a step was skipped, how it failed), so the
// TUI, plain lines, the log file, JUnit and the status table never disagree.
import type { ErrorInfo, SkipReason } from '../events/types.js';
import { cleanLine, cleanText } from './ansi.js';

const SKIP_WORDS: Record<SkipReason, string> = {
  done: 'already done',
  check: 'already in place',
  creates: 'already in place',
  when: 'condition is false',
  deferred: 'left for a later run',
  sealed: 'left out: SSH was turned off (sealed)',
  'not-reached': 'not reached',
};

/** `already done`, `already in place (creates /etc/x exists)`, … */
export function describeSkip(reason: SkipReason, detail?: string): string {
  const words = SKIP_WORDS[reason] ?? reason;
  const extra = detail ? cleanLine(detail) : '';
  return extra ? `${words} (${extra})` : words;
}

/** The cause's lines, cleaned of escapes, blank lines dropped. */
function causeLines(error: ErrorInfo): string[] {
  return cleanText(error.message)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * One line, led by the exit code when there is one: `exit code 1: [ERROR Port-6443]: Port 6443 is
 * in use`. For a command the cause is what the program said, most telling last, so its last line
 * is shown; other errors lead with their headline.
 */
export function describeError(error: ErrorInfo): string {
  const lines = causeLines(error);
  const line = (error.command !== undefined ? lines[lines.length - 1] : lines[0]) ?? error.code;
  if (error.exitCode !== undefined) return `exit code ${error.exitCode}: ${line}`;
  if (error.code === 'E_ABORTED') return `interrupted: ${line}`;
  return `${error.code}: ${line}`;
}

/** The whole cause (several lines for a command), led the same way: JUnit's failure message. */
export function describeCause(error: ErrorInfo): string {
  const text = causeLines(error).join('\n') || error.code;
  if (error.exitCode !== undefined) return `exit code ${error.exitCode}: ${text}`;
  if (error.code === 'E_ABORTED') return `interrupted: ${text}`;
  return `${error.code}: ${text}`;
}

/** The last `n` non-blank lines of a failure's output (cleaned of escapes), or of its message when it has none. */
export function errorOutputLines(error: ErrorInfo, n: number): string[] {
  const source = error.output ?? error.message.split('\n').slice(1).join('\n');
  const lines = cleanText(source)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  return lines.slice(-n);
}

/** `attempt 2/3` when retries are configured, nothing when there is only one attempt. */
export function describeAttempt(attempt: number, attempts: number): string {
  return attempts > 1 ? `attempt ${attempt}/${attempts}` : '';
}
