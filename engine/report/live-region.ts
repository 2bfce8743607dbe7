// The bottom of the terminal that the TUI redraws in place. It draws at most every
// `minIntervalMs` (10 times a second) and only when the frame's text changed, and then rewrites
// only the lines that changed — a 15-second run costs kilobytes, not a megabyte. While it is live
// it hides the cursor and holds back whatever else the process writes to stdout/stderr (printed
// after it ends); if the process exits first, the cursor and the held-back text come back.

const ESC = '\x1b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
const ERASE_DOWN = `${ESC}J`;
const ERASE_LINE_END = `${ESC}K`;

export interface LiveRegionOptions {
  /** Where the frames go (a terminal). */
  out: NodeJS.WritableStream;
  /** The current frame: one string per line, each already cut to the terminal's width. */
  frame: () => string[];
  /** Fewest milliseconds between two draws. */
  minIntervalMs?: number;
  /** Hold back other writes to process.stdout/stderr while live (on when `out` is process.stdout). */
  holdProcessOutput?: boolean;
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

export class LiveRegion {
  private shown: string[] = [];
  private live = false;
  private timer: NodeJS.Timeout | undefined;
  private lastDraw = 0;
  private readonly minInterval: number;
  private readonly held: { stream: NodeJS.WriteStream; chunk: unknown }[] = [];
  private readonly originals = new Map<NodeJS.WriteStream, Write>();
  private readonly write: (text: string) => void;
  /** Bytes written for frames (for benchmarks and tests). */
  bytes = 0;
  /** Frames drawn. */
  draws = 0;

  constructor(private readonly options: LiveRegionOptions) {
    this.minInterval = options.minIntervalMs ?? 100;
    const out = options.out;
    this.write = (text) => {
      this.bytes += Buffer.byteLength(text);
      const original = this.originals.get(out as NodeJS.WriteStream);
      if (original) original.call(out, text);
      else out.write(text);
    };
  }

  start(): void {
    if (this.live) return;
    this.live = true;
    if (this.options.holdProcessOutput ?? this.options.out === process.stdout) this.holdOutput();
    process.once('exit', this.onExit);
    (this.options.out as NodeJS.EventEmitter).on('resize', this.onResize);
    this.write(HIDE_CURSOR);
    this.drawNow();
  }

  /** Something changed: draw soon (at most every minIntervalMs). */
  invalidate(): void {
    if (!this.live || this.timer) return;
    const wait = Math.max(0, this.lastDraw + this.minInterval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drawNow();
    }, wait);
  }

  /** Replace the region with `text` for good (the final tree and summary), give back the cursor
   * and print what was held back. */
  end(text: string): void {
    if (!this.live) {
      if (text) this.write(text);
      return;
    }
    this.live = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    process.off('exit', this.onExit);
    (this.options.out as NodeJS.EventEmitter).off('resize', this.onResize);
    this.write(`${this.toTop()}${ERASE_DOWN}${text}${SHOW_CURSOR}`);
    this.shown = [];
    this.releaseOutput();
  }

  private drawNow(): void {
    if (!this.live) return;
    this.lastDraw = Date.now();
    const next = this.options.frame();
    if (next.length === this.shown.length && next.every((line, i) => line === this.shown[i])) return;
    this.draws++;
    let out = this.shown.length ? this.toTop() : '';
    next.forEach((line, i) => {
      if (i > 0) out += '\n';
      if (line !== this.shown[i]) out += `\r${line}${ERASE_LINE_END}`;
    });
    if (next.length < this.shown.length) out += `\n${ERASE_DOWN}${ESC}1A`;
    this.write(out);
    this.shown = next;
  }

  /** From the last line of the shown frame to the start of its first. */
  private toTop(): string {
    return this.shown.length > 1 ? `${ESC}${this.shown.length - 1}A\r` : '\r';
  }

  /** A new window size may have wrapped the old frame: clear it and draw afresh. */
  private readonly onResize = (): void => {
    if (!this.live) return;
    this.write(`${this.toTop()}${ERASE_DOWN}`);
    this.shown = [];
    this.drawNow();
  };

  /** The process is exiting without end() (a second Ctrl-C): leave the frame, give the terminal back. */
  private readonly onExit = (): void => {
    if (!this.live) return;
    this.live = false;
    this.write(`\n${SHOW_CURSOR}`);
    this.releaseOutput();
  };

  private holdOutput(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write as Write;
      this.originals.set(stream, original);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        this.held.push({ stream, chunk });
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof stream.write;
    }
  }

  private releaseOutput(): void {
    for (const [stream, original] of this.originals) stream.write = original as typeof stream.write;
    this.originals.clear();
    for (const { stream, chunk } of this.held.splice(0)) stream.write(chunk as string);
  }
}
