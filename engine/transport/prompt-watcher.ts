// Answers interactive prompts (`answers:`) and notices a prompt nobody answers: a trailing
// line ending in `?`, `:` or `]` that stays idle for promptIdleMs fails the command with the
// prompt shown, instead of hanging until the step's timeout.
import type { PromptAnswer } from './types.js';

const MAX_UNANSWERED = 64 * 1024;

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
  onUnmatched: (prompt: string) => void;
}

/** Does this unterminated last line look like a question waiting for input? */
export function looksLikePrompt(tail: string): boolean {
  const t = stripAnsi(tail).trim();
  return t.length > 0 && /[?:\]]$/.test(t);
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

export class PromptWatcher {
  private unanswered = '';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly answers: CompiledAnswer[];

  constructor(private readonly options: PromptWatcherOptions) {
    this.answers = options.answers.map((a) => ({
      pattern: new RegExp(a.prompt),
      send: a.send,
      once: a.once ?? false,
      used: false,
    }));
  }

  feed(text: string): void {
    if (this.stopped || text === '') return;
    this.unanswered = (this.unanswered + text).slice(-MAX_UNANSWERED);
    this.clearTimer();
    this.answerAll();
    if (!this.options.failOnUnmatched) return;
    const tail = this.unanswered.slice(this.unanswered.lastIndexOf('\n') + 1);
    if (looksLikePrompt(tail)) {
      this.timer = setTimeout(() => {
        if (!this.stopped) this.options.onUnmatched(stripAnsi(tail).trim());
      }, this.options.idleMs);
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private answerAll(): void {
    for (;;) {
      let best: { answer: CompiledAnswer; end: number; index: number } | undefined;
      for (const answer of this.answers) {
        if (answer.once && answer.used) continue;
        answer.pattern.lastIndex = 0;
        const m = answer.pattern.exec(this.unanswered);
        if (m && m[0].length > 0 && (!best || m.index < best.index)) best = { answer, end: m.index + m[0].length, index: m.index };
      }
      if (!best) return;
      best.answer.used = true;
      this.unanswered = this.unanswered.slice(best.end);
      this.options.send(`${best.answer.send}\n`);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
