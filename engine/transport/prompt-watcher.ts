// Answers interactive prompts from `answers:` and refuses to hang on one it cannot answer:
// output ending in something that looks like a question with no newline after it, idle for
// promptIdleMs, fails the command with E_PROMPT showing the prompt (never the answers).
import { PlayError } from '../errors.js';
import type { PromptAnswer } from './types.js';

const LOOKS_LIKE_PROMPT = /[?:\]>)]\s*$/;

export class PromptWatcher {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly used = new Set<number>();

  constructor(
    private readonly answers: readonly PromptAnswer[],
    private readonly send: (text: string) => void,
    private readonly fail: (err: PlayError) => void,
    private readonly idleMs: number,
    private readonly host: string,
  ) {}

  /** Feed output (stdout and stderr alike: prompts go to either). */
  feed(chunk: string): void {
    this.pending += chunk;
    if (this.pending.length > 4096) this.pending = this.pending.slice(-4096);
    this.match();
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private match(): void {
    for (;;) {
      let best: { index: number; end: number } | undefined;
      this.answers.forEach((a, index) => {
        if (a.once && this.used.has(index)) return;
        const m = new RegExp(a.prompt, 'm').exec(this.pending);
        if (m && (!best || m.index < best.index)) best = { index, end: m.index + m[0].length };
      });
      if (!best) return;
      this.used.add(best.index);
      this.pending = this.pending.slice(best.end);
      this.send(`${this.answers[best.index]!.send}\n`);
    }
  }

  private arm(): void {
    this.stop();
    const tail = this.pending.split('\n').at(-1) ?? '';
    if (tail.trim() === '' || !LOOKS_LIKE_PROMPT.test(tail)) return;
    this.timer = setTimeout(() => {
      const prompt = (this.pending.split('\n').at(-1) ?? '').trim();
      this.fail(new PlayError(`${this.host}: the command is waiting for input that no answer matches: "${prompt}"`, { code: 'E_PROMPT', host: this.host }));
    }, this.idleMs);
    this.timer.unref?.();
  }
}
