// The output side of a run: picks the reporters for the chosen mode (TUI on a terminal, plain
// lines otherwise, JSON lines, quiet), always adds the log file and, when asked, JUnit, and fans
// every event out to them. A reporter that throws never stops the run or the other reporters.
import type { PlayEvent } from '../events/types.js';
import { errorMessage } from '../errors.js';
import { wantColor } from './ansi.js';
import { JsonReporter } from './json-reporter.js';
import { JunitReporter } from './junit-reporter.js';
import { LogFileReporter } from './log-reporter.js';
import { PlainReporter } from './plain-reporter.js';
import { QuietReporter } from './quiet-reporter.js';
import { guardStream, writeTo, type Reporter } from './reporter.js';
import { TuiReporter } from './tui-reporter.js';

export type { Reporter } from './reporter.js';
export { formatStatus } from './status-table.js';

export type ReporterMode = 'auto' | 'tui' | 'plain' | 'json' | 'quiet';

export interface ReporterOptions {
  /** auto: the TUI when stdout is a terminal, plain lines otherwise. */
  mode: ReporterMode;
  /** --color forces colour in plain mode; default: only on a terminal (and not with NO_COLOR). */
  color?: boolean;
  /** --junit FILE: write a JUnit XML report when the run ends. */
  junitFile?: string;
  /** --junit -: the report goes to stdout when the run ends (the caller makes sure nothing else does). */
  junitStdout?: boolean;
  /** The pino log file; always written. */
  logFile: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Override terminal detection (tests). */
  isTTY?: boolean;
}

export function createReporters(options: ReporterOptions): Reporter {
  const stdout = guardStream(options.stdout ?? process.stdout);
  const stderr = guardStream(options.stderr ?? process.stderr);
  const isTTY = options.isTTY ?? (stdout as { isTTY?: boolean }).isTTY === true;
  const mode = options.mode === 'auto' ? (isTTY ? 'tui' : 'plain') : options.mode;
  const color = wantColor(options.color, isTTY);
  const logFile = options.logFile;
  // The JUnit path is checked first: a bad one must fail before the log file is created.
  const junit = options.junitFile ? new JunitReporter(options.junitFile) : undefined;
  const reporters: Reporter[] = [new LogFileReporter(logFile)];
  if (mode === 'tui') reporters.push(new TuiReporter({ stdout, stderr, color, logFile }));
  else if (mode === 'plain') reporters.push(new PlainReporter({ stdout, stderr, color, logFile }));
  else if (mode === 'json') reporters.push(new JsonReporter({ stdout, stderr, logFile }));
  else reporters.push(new QuietReporter({ stderr, color, logFile }));
  if (junit) reporters.push(junit);
  else if (options.junitStdout) reporters.push(new JunitReporter(stdout));
  return new FanOut(reporters, stderr);
}

/** Sends each event to every reporter; failures are reported once, at close, without a stack. */
export class FanOut implements Reporter {
  private readonly problems = new Map<Reporter, string>();

  constructor(
    private readonly reporters: Reporter[],
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  onEvent(event: PlayEvent): void {
    for (const r of this.reporters) {
      try {
        r.onEvent(event);
      } catch (err) {
        if (!this.problems.has(r)) this.problems.set(r, errorMessage(err));
      }
    }
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.reporters.map((r) => r.close()));
    results.forEach((res, i) => {
      const r = this.reporters[i]!;
      if (res.status === 'rejected' && !this.problems.has(r)) this.problems.set(r, errorMessage(res.reason));
    });
    for (const problem of this.problems.values()) writeTo(this.stderr, `podsec-play: reporting: ${problem}\n`);
  }
}
