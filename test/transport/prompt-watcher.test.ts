// Prompt answering and the idle-prompt failure, with fake timers (no real waiting).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { looksLikePrompt, PromptWatcher } from '../../engine/transport/prompt-watcher.js';
import type { PromptAnswer } from '../../engine/transport/types.js';

describe('PromptWatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watcher(answers: PromptAnswer[], failOnUnmatched = true) {
    const sent: string[] = [];
    const unmatched: string[] = [];
    const w = new PromptWatcher({
      answers,
      failOnUnmatched,
      idleMs: 1000,
      send: (t) => sent.push(t),
      onUnmatched: (p) => unmatched.push(p),
    });
    return { w, sent, unmatched };
  }

  it('answers a prompt split across chunks, with a newline', () => {
    const { w, sent } = watcher([{ prompt: 'Password: $', send: 'pw' }]);
    w.feed('Enter Pass');
    w.feed('word: ');
    expect(sent).toEqual(['pw\n']);
  });

  it('answers each appearance, but a once-answer only once', () => {
    const { w, sent } = watcher([
      { prompt: 'again\\?', send: 'y' },
      { prompt: 'first\\?', send: 'f', once: true },
    ]);
    w.feed('first? again?\nfirst? again?');
    expect(sent).toEqual(['f\n', 'y\n', 'y\n']);
  });

  it('fails an unmatched prompt after it stays idle, showing the prompt', () => {
    const { w, unmatched } = watcher([{ prompt: 'Password:', send: 'x' }]);
    w.feed('working...\nClear directory? [y/N] ');
    vi.advanceTimersByTime(999);
    expect(unmatched).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(unmatched).toEqual(['Clear directory? [y/N]']);
  });

  it('does not fail while output keeps coming, or when the tail is not a prompt', () => {
    const { w, unmatched } = watcher([{ prompt: 'Password:', send: 'x' }]);
    w.feed('step 1: ');
    vi.advanceTimersByTime(900);
    w.feed('done\nprogress 50%');
    vi.advanceTimersByTime(5000);
    expect(unmatched).toEqual([]);
  });

  it('does not watch for idle prompts when the caller gave no answers', () => {
    const { w, unmatched } = watcher([], false);
    w.feed('Continue? ');
    vi.advanceTimersByTime(5000);
    expect(unmatched).toEqual([]);
  });

  it('stops cleanly', () => {
    const { w, unmatched } = watcher([{ prompt: 'x', send: 'y' }]);
    w.feed('Sure? ');
    w.stop();
    vi.advanceTimersByTime(5000);
    expect(unmatched).toEqual([]);
  });

  it.each([
    ['Password: ', true],
    ['Overwrite? ', true],
    ['[y/N]', true],
    ['\u001b[1mName:\u001b[0m ', true],
    ['50% done', false],
    ['   ', false],
  ])('looksLikePrompt(%j) = %s', (tail, expected) => {
    expect(looksLikePrompt(tail)).toBe(expected);
  });
});
