// --quiet: errors only, on stderr (failed steps with their last output lines, error logs, the
// final failure list and where the log is); nothing at all when the run goes well.
import type { PlayEvent } from '../events/types.js';
import { makePaint } from './ansi.js';
import { eventLine } from './plain-lines.js';
import { formatClock, parseTime } from './clock-time.js';
import { compactFailureLines, failureLines } from './summary.js';
import { RunModel } from './run-model.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

export interface QuietReporterOptions {
  stderr: NodeJS.WritableStream;
  color: boolean;
  logFile: string;
}

export class QuietReporter implements Reporter {
  private readonly model = new RunModel();

  constructor(private readonly options: QuietReporterOptions) {}

  onEvent(event: PlayEvent): void {
    const node = this.model.apply(event);
    const paint = makePaint(this.options.color);
    const stamp = (text: string) => `${formatClock(new Date(parseTime(event.ts) ?? Date.now()))} ${text}`;
    const out: string[] = [];
    if (event.type === 'step.failed' && node && 'outputTail' in node) {
      out.push(stamp(paint.red(eventLine(event)?.text ?? '')), ...failureLines(node, paint, '    ').slice(1));
    } else if (event.type === 'host.failed' && node && 'steps' in node && !node.steps.some((s) => s.status === 'failed')) {
      out.push(stamp(paint.red(eventLine(event)?.text ?? '')));
    } else if (event.type === 'log' && event.level === 'error') {
      out.push(stamp(paint.red(eventLine(event)?.text ?? '')));
    } else if (event.type === 'run.failed' || event.type === 'run.interrupted') {
      out.push(...compactFailureLines(this.model, this.options.logFile));
    }
    if (out.length) writeTo(this.options.stderr, out.join('\n') + '\n');
  }

  async close(): Promise<void> {
    await flushStream(this.options.stderr);
  }
}
