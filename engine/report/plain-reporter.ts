// Plain lines for CI logs and pipes: one time-stamped line per state change, the summary at the
// end. All on stdout; on failure a compact failure list also goes to stderr for CI systems that
// show stderr apart. Escape codes only when colour is on (--color, or a terminal).
import type { PlayEvent } from '../events/types.js';
import { makePaint } from './ansi.js';
import type { Paint } from './ansi.js';
import { failureLines, summaryLines, compactFailureLines } from './summary.js';
import { eventLine } from './plain-lines.js';
import type { LineTone } from './plain-lines.js';
import { formatClock, parseTime } from './clock-time.js';
import { RunModel } from './run-model.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

export interface PlainReporterOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  color: boolean;
  logFile: string;
}

export class PlainReporter implements Reporter {
  private readonly model = new RunModel();
  private readonly paint: Paint;

  constructor(private readonly options: PlainReporterOptions) {
    this.paint = makePaint(options.color);
  }

  onEvent(event: PlayEvent): void {
    const node = this.model.apply(event);
    const line = eventLine(event);
    if (!line) return;
    const time = this.paint.dim(formatClock(new Date(parseTime(event.ts) ?? Date.now())));
    const out: string[] = [`${time} ${tone(this.paint, line.tone, line.text)}`];
    if (event.type === 'step.failed' && node && 'outputTail' in node) out.push(...failureLines(node, this.paint, '    ').slice(1));
    if (event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.interrupted') {
      out.push(...summaryLines(this.model, this.paint, this.options.logFile));
    }
    writeTo(this.options.stdout, out.join('\n') + '\n');
    if (event.type === 'run.failed' || event.type === 'run.interrupted') {
      const lines = compactFailureLines(this.model, this.options.logFile);
      if (lines.length) writeTo(this.options.stderr, lines.join('\n') + '\n');
    }
  }

  async close(): Promise<void> {
    await Promise.all([flushStream(this.options.stdout), flushStream(this.options.stderr)]);
  }
}

export function tone(paint: Paint, t: LineTone, text: string): string {
  switch (t) {
    case 'ok':
      return paint.green(text);
    case 'warn':
      return paint.yellow(text);
    case 'error':
      return paint.red(text);
    case 'dim':
      return paint.dim(text);
    default:
      return text;
  }
}
