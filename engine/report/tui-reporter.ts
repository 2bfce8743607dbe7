// The live tree for an admin at a terminal: phases → hosts → steps with state, elapsed time,
// retries and the running step's last output line, driven only by events. The tree is computed
// from the run model and fitted to the window (tui-frame.ts); the live region (live-region.ts)
// redraws it at most ten times a second, only when its text changed. When the run ends the
// final tree and the summary are printed once, below what was on the screen before.
import type { PlayEvent } from '../events/types.js';
import { makePaint, type Paint } from './ansi.js';
import { LiveRegion } from './live-region.js';
import { RunModel } from './run-model.js';
import { summaryLines } from './summary.js';
import { finalFrame, liveFrame } from './tui-frame.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

export interface TuiReporterOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  color: boolean;
  logFile: string;
  /** A phase with more hosts than this folds finished and waiting hosts into a count line. */
  foldHostsAbove?: number;
  /** How often elapsed times and countdowns are looked at, in ms (a draw happens only on change). */
  refreshMs?: number;
  /** Fewest ms between two draws. */
  minDrawIntervalMs?: number;
}

const FOLD_HOSTS_ABOVE = 8;

export class TuiReporter implements Reporter {
  private readonly model = new RunModel();
  private readonly paint: Paint;
  private readonly region: LiveRegion;
  private ticker: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly options: TuiReporterOptions) {
    this.paint = makePaint(options.color);
    this.region = new LiveRegion({
      out: options.stdout,
      frame: () => liveFrame(this.model, { ...this.size(), now: Date.now(), foldHostsAbove: this.foldAbove, paint: this.paint }),
      ...(options.minDrawIntervalMs === undefined ? {} : { minIntervalMs: options.minDrawIntervalMs }),
    });
  }

  /** Frame bytes written so far (benchmarks and tests). */
  get bytesDrawn(): number {
    return this.region.bytes;
  }

  onEvent(event: PlayEvent): void {
    this.model.apply(event);
    if (event.type === 'run.started') this.start();
    else this.region.invalidate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.started) {
      const o = { width: this.size().width, now: Date.now(), foldHostsAbove: this.foldAbove, paint: this.paint };
      // The final tree replaces the live one; what others wrote meanwhile comes next; the summary last.
      this.region.end(finalFrame(this.model, o).join('\n') + '\n');
      writeTo(this.options.stdout, '\n' + summaryLines(this.model, this.paint, this.options.logFile).join('\n') + '\n');
    }
    await flushStream(this.options.stdout);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.region.start();
    // Elapsed times and countdowns change with the clock, not with events.
    this.ticker = setInterval(() => this.region.invalidate(), this.options.refreshMs ?? 250);
    this.ticker.unref();
  }

  private get foldAbove(): number {
    return this.options.foldHostsAbove ?? FOLD_HOSTS_ABOVE;
  }

  /** The window, less one row so a frame never makes the terminal scroll. */
  private size(): { width: number; height: number } {
    const tty = this.options.stdout as { columns?: number; rows?: number };
    const width = tty.columns && tty.columns > 0 ? tty.columns : 80;
    const rows = tty.rows && tty.rows > 0 ? tty.rows : 24;
    return { width, height: Math.max(1, rows - 1) };
  }
}
