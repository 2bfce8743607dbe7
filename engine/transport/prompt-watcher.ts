// Answers interactive prompts by what a terminal would SHOW, not by the raw byte stream: the
// output runs through a headless terminal emulator (@xterm/headless), so a curses dialog
// (pinentry's passphrase box: cursor moves, line-drawing characters, the alternate screen), a
// prompt typed on one line after the previous answer, and a question printed as a whole line
// followed by a read (`Continue (y/N)?` then `read`) all read the same way a person reads them.
// An answer's pattern is matched against the text that leads up to the cursor (the few lines
// above it and the cursor's line up to the cursor), counting only what was written since the
// last answer. A prompt no answer matches fails the command as soon as the output has been idle
// for idleMs, with the screen's text in the error — never by waiting for the step's timeout.
import xtermHeadless from '@xterm/headless';
import type { IMarker, Terminal as XTerminal } from '@xterm/headless';
import type { PromptAnswer } from './types.js';

const { Terminal } = xtermHeadless;

/** The terminal podsec-play's PTY sessions ask for (xterm: what the emulator understands, and a
 * type with cursor addressing, which pinentry-curses needs). */
export const PTY_TERM = 'xterm';
export const PTY_COLS = 200;
export const PTY_ROWS = 50;

/** Output must be quiet this long before the screen is read (a prompt drawn in pieces). */
const SETTLE_MS = 60;
/** Lines above the cursor that belong to a prompt (a dialog's description, a whole-line question). */
const CONTEXT_LINES = 6;

interface CompiledAnswer {
  pattern: RegExp;
  send: string;
  once: boolean;
  used: boolean;
}

export interface PromptWatcherOptions {
  answers: PromptAnswer[];
  /** Fail on an idle prompt that no answer matched (true when the caller gave answers). */
  failOnUnmatched: boolean;
  idleMs: number;
  send: (text: string) => void;
  /** `prompt`: the question as the screen shows it; `screen`: the screen's last lines. */
  onUnmatched: (prompt: string, screen: string) => void;
  /** Output from a PTY (the terminal driver turned \n into \r\n); otherwise a bare \n is a new line. */
  pty?: boolean;
  cols?: number;
  rows?: number;
}

/** What the screen shows at the cursor. */
export interface ScreenView {
  /** The lines leading up to the cursor, written since the last answer, joined with \n; the
   * last one is the cursor's line up to the cursor (untrimmed). */
  context: string;
  /** The cursor's line up to the cursor. */
  cursorLine: string;
  /** The last non-empty line above the cursor (a whole-line question). */
  lineAbove: string;
  /** A full-screen program (curses) is showing its alternate screen. */
  fullScreen: boolean;
  /** The visible screen, trailing blank lines dropped. */
  screen: string;
}

const YES_NO = /(?:\(|\[|\b)[yY](?:es)?\/[nN]o?(?:\)|\])?:?$/;

/**
 * Does the screen look like a program waiting for input? A cursor line ending in `?`, `:`, `]`,
 * `>` or a y/N choice; a cursor alone on a new line under a question (`…?` or `y/N`); or a
 * full-screen (curses) program.
 */
export function looksLikePrompt(view: Pick<ScreenView, 'cursorLine' | 'lineAbove' | 'fullScreen'>): boolean {
  if (view.fullScreen) return true;
  const line = view.cursorLine.trim();
  if (line.length > 0) return /[?:\]>]$/.test(line) || YES_NO.test(line);
  const above = view.lineAbove.trim();
  return above.length > 0 && (/\?$/.test(above) || YES_NO.test(above));
}

export class PromptWatcher {
  private readonly term: XTerminal;
  private readonly answers: CompiledAnswer[];
  private settleTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** New output arrived since the last answer. */
  private fresh = false;
  /** Where the last answer was given, per screen (normal: a marker that follows scrolling). */
  private lastNormal: { marker: IMarker; col: number } | undefined;
  /** The alternate screen at the moment of the last answer: the same view is not answered twice. */
  private lastAlternate: string | undefined;

  constructor(private readonly options: PromptWatcherOptions) {
    this.answers = options.answers.map((a) => ({ pattern: new RegExp(a.prompt), send: a.send, once: a.once ?? false, used: false }));
    this.term = new Terminal({
      cols: options.cols ?? PTY_COLS,
      rows: options.rows ?? PTY_ROWS,
      scrollback: 500,
      convertEol: options.pty !== true,
      allowProposedApi: true,
    });
    this.term.buffer.onBufferChange(() => {
      this.lastAlternate = undefined;
    });
  }

  feed(text: string | Uint8Array): void {
    if (this.stopped || text.length === 0) return;
    this.fresh = true;
    this.clearTimers();
    this.term.write(text, () => this.schedule());
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.lastNormal?.marker.dispose();
    this.term.dispose();
  }

  /** The screen as it is now (for tests and error messages). */
  view(): ScreenView {
    const b = this.term.buffer.active;
    const cursorRow = b.baseY + b.cursorY;
    const row = (y: number): string => (b.getLine(y)?.translateToString(true) ?? '').trimEnd();
    const fullScreen = b.type === 'alternate';
    let fromRow = fullScreen ? b.baseY : 0;
    let fromCol = 0;
    if (!fullScreen && this.lastNormal && this.lastNormal.marker.line >= 0) {
      fromRow = this.lastNormal.marker.line;
      fromCol = this.lastNormal.col;
    }
    const cursorLine = b.getLine(cursorRow)?.translateToString(false, cursorRow === fromRow ? Math.min(fromCol, b.cursorX) : 0, b.cursorX) ?? '';
    const above: string[] = [];
    for (let y = cursorRow - 1; y >= fromRow && above.length < CONTEXT_LINES; y--) {
      const text = y === fromRow ? (b.getLine(y)?.translateToString(true, fromCol) ?? '') : row(y);
      if (text.trim() !== '') above.unshift(text);
    }
    const visible: string[] = [];
    for (let y = b.baseY; y < b.baseY + this.term.rows; y++) visible.push(row(y));
    while (visible.length > 0 && (visible[visible.length - 1] ?? '').trim() === '') visible.pop();
    return {
      context: [...above, cursorLine].join('\n'),
      cursorLine,
      lineAbove: above[above.length - 1] ?? '',
      fullScreen,
      screen: visible.filter((l, i, all) => l.trim() !== '' || (i > 0 && (all[i - 1] ?? '').trim() !== '')).slice(-20).join('\n'),
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.clearTimers();
    this.settleTimer = setTimeout(() => this.evaluate(), SETTLE_MS);
  }

  private evaluate(): void {
    if (this.stopped || !this.fresh) return;
    const view = this.view();
    const answer = this.match(view);
    if (answer) {
      answer.used = true;
      this.fresh = false;
      this.remember(view);
      // Enter as a terminal sends it (CR: the line discipline turns it into a newline for a
      // program reading lines, and a curses program such as pinentry takes only CR); a pipe
      // wants the newline itself.
      this.options.send(`${answer.send}${this.options.pty === true ? '\r' : '\n'}`);
      return;
    }
    if (!this.options.failOnUnmatched || !looksLikePrompt(view)) return;
    this.idleTimer = setTimeout(
      () => {
        if (this.stopped) return;
        const prompt = (view.cursorLine.trim() || view.lineAbove.trim()).replace(/\s+/g, ' ');
        this.options.onUnmatched(prompt, view.screen);
      },
      Math.max(0, this.options.idleMs - SETTLE_MS),
    );
  }

  private match(view: ScreenView): CompiledAnswer | undefined {
    if (view.fullScreen && this.lastAlternate === this.fingerprint(view)) return undefined;
    let best: { answer: CompiledAnswer; end: number; length: number } | undefined;
    for (const answer of this.answers) {
      if (answer.once && answer.used) continue;
      answer.pattern.lastIndex = 0;
      const m = answer.pattern.exec(view.context);
      if (!m || m[0].length === 0) continue;
      // The match nearest the cursor wins (the question asked last); then the longer one.
      const end = m.index + m[0].length;
      if (!best || end > best.end || (end === best.end && m[0].length > best.length)) best = { answer, end, length: m[0].length };
    }
    return best?.answer;
  }

  private remember(view: ScreenView): void {
    const b = this.term.buffer.active;
    if (b.type === 'alternate') {
      this.lastAlternate = this.fingerprint(view);
      return;
    }
    this.lastNormal?.marker.dispose();
    const marker = this.term.registerMarker(0);
    if (marker) this.lastNormal = { marker, col: b.cursorX };
  }

  private fingerprint(view: ScreenView): string {
    const b = this.term.buffer.active;
    return `${b.cursorY}:${b.cursorX}:${view.screen}`;
  }

  private clearTimers(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.settleTimer = undefined;
    this.idleTimer = undefined;
  }
}
