// Prompt answering by what the terminal shows (a headless terminal emulator reads the stream),
// and the idle-prompt failure, with fake timers (no real waiting).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { looksLikePrompt, PromptWatcher } from '../../engine/transport/prompt-watcher.js';
import type { PromptAnswer } from '../../engine/transport/types.js';

describe('PromptWatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const watchers: PromptWatcher[] = [];
  afterEach(() => {
    while (watchers.length) watchers.pop()!.stop();
  });

  function watcher(answers: PromptAnswer[], options: { failOnUnmatched?: boolean; pty?: boolean } = {}) {
    const sent: string[] = [];
    const unmatched: { prompt: string; screen: string }[] = [];
    const w = new PromptWatcher({
      answers,
      failOnUnmatched: options.failOnUnmatched ?? true,
      idleMs: 1000,
      pty: options.pty ?? true,
      cols: 80,
      rows: 24,
      send: (t) => sent.push(t),
      onUnmatched: (prompt, screen) => unmatched.push({ prompt, screen }),
    });
    watchers.push(w);
    // Feed, then let the emulator parse and the output settle.
    const feed = async (text: string) => {
      w.feed(text);
      await vi.advanceTimersByTimeAsync(100);
    };
    return { w, sent, unmatched, feed };
  }

  it('answers a prompt split across chunks, with Enter as a terminal sends it (CR)', async () => {
    const { w, sent } = watcher([{ prompt: 'Password: $', send: 'pw' }]);
    w.feed('Enter Pass');
    w.feed('word: ');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual(['pw\r']);
  });

  it('reads prompts that follow each other on one line (no echo) and answers each once', async () => {
    const { sent, feed } = watcher([
      { prompt: 'Real name:\\s*$', send: 'Image Maker' },
      { prompt: 'Email address:\\s*$', send: 'im@registry.local' },
      { prompt: 'Comment:\\s*$', send: '' },
    ]);
    await feed('\r\nGnuPG needs to construct a user ID to identify your key.\r\n\r\nReal name: ');
    await feed('Email address: ');
    await feed('Comment: ');
    expect(sent).toEqual(['Image Maker\r', 'im@registry.local\r', '\r']);
  });

  it('answers a question printed as a whole line and then read (English and Russian)', async () => {
    const answers = [{ prompt: '(?:Continue|Продолжать) \\(y/N\\)\\?\\s*$', send: 'y' }];
    const en = watcher(answers);
    await en.feed('Current platform p10 does not match installed c10f\r\nContinue (y/N)?\r\n');
    expect(en.sent).toEqual(['y\r']);
    // without a PTY (a pipe): bare newlines, and a newline to end the answer
    const ru = watcher(answers, { pty: false });
    await ru.feed('Текущая платформа p10 не совпадает c устанавливаемой c10f\nПродолжать (y/N)?\n');
    expect(ru.sent).toEqual(['y\n']);
  });

  it('answers a curses dialog by its entry field, which the raw stream never ends with', async () => {
    const { sent, feed } = watcher([{ prompt: '(?:Passphrase|Фраза-пароль):\\s*$', send: 'secret' }]);
    // pinentry-curses: alternate screen, a box in DEC line drawing, the field, the cursor moved
    // back to the start of the field.
    const dialog =
      '\u001b[?1049h\u001b[H\u001b[2J' +
      '\u001b[9;12H\u001b(0lqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk\u001b(B' +
      '\u001b[10;12H\u001b(0x\u001b(B Введите фразу-пароль                                   \u001b(0x\u001b(B' +
      '\u001b[11;12H\u001b(0x\u001b(B для защиты нового ключа                                \u001b(0x\u001b(B' +
      '\u001b[13;12H\u001b(0x\u001b(B Фраза-пароль: ________________________________________ \u001b(0x\u001b(B' +
      '\u001b[15;12H\u001b(0x\u001b(B        <OK>                         <Отмена (C)>       \u001b(0x\u001b(B' +
      '\u001b[16;12H\u001b(0mqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqj\u001b(B' +
      '\u001b[13;28H';
    expect(/(?:Passphrase|Фраза-пароль):\s*$/.test(dialog)).toBe(false);
    await feed(dialog);
    expect(sent).toEqual(['secret\r']);
  });

  it('does not answer a prompt again that only stays on the screen while other output follows', async () => {
    const { sent, feed } = watcher([{ prompt: '\\[podsec-play\\] sudo password: ', send: 'pw' }]);
    await feed('[podsec-play] sudo password: ');
    await feed('\r\nworking\r\nstill working\r\n');
    expect(sent).toEqual(['pw\r']);
  });

  it('fails an unmatched prompt once the output is idle, with the prompt and the screen', async () => {
    const { w, unmatched } = watcher([{ prompt: 'Password:', send: 'x' }]);
    w.feed('working...\r\nClear directory? [y/N] ');
    await vi.advanceTimersByTimeAsync(999);
    expect(unmatched).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(unmatched).toEqual([{ prompt: 'Clear directory? [y/N]', screen: 'working...\nClear directory? [y/N]' }]);
  });

  it('fails an unknown whole-line question and an unknown dialog without an entry field', async () => {
    const line = watcher([{ prompt: 'Password:', send: 'x' }], { pty: false });
    await line.feed('На сервере обнаружен каталог данных etcd-кластера /var/lib/podsec/u7s/etcd/member от предыдущего разворачивания. Очистить каталог? y/N:\n');
    await vi.advanceTimersByTimeAsync(1000);
    expect(line.unmatched.map((u) => u.prompt)).toEqual([expect.stringContaining('Очистить каталог? y/N:')]);
    const dialog = watcher([{ prompt: 'Passphrase:', send: 'x' }]);
    await dialog.feed('\u001b[?1049h\u001b[H\u001b[2J\u001b[5;3HWarning: You have entered an insecure passphrase.\u001b[7;3H<Take this one anyway>   <Enter new passphrase>\u001b[7;3H');
    await vi.advanceTimersByTimeAsync(1000);
    expect(dialog.unmatched).toHaveLength(1);
    expect(dialog.unmatched[0]?.screen).toContain('insecure passphrase');
  });

  it('does not fail while output keeps coming, or when the screen shows no question', async () => {
    const { w, unmatched, feed } = watcher([{ prompt: 'Password:', send: 'x' }]);
    w.feed('step 1: ');
    await vi.advanceTimersByTimeAsync(900);
    await feed('done\r\nprogress 50%');
    await vi.advanceTimersByTimeAsync(5000);
    expect(unmatched).toEqual([]);
  });

  it('does not watch for idle prompts when the caller gave no answers', async () => {
    const { unmatched, feed } = watcher([], { failOnUnmatched: false });
    await feed('Continue? ');
    await vi.advanceTimersByTimeAsync(5000);
    expect(unmatched).toEqual([]);
  });

  it('answers a once-answer only once', async () => {
    const { sent, feed, unmatched } = watcher([{ prompt: 'Clear directory\\? y/N:\\s*$', send: 'y', once: true }], { pty: false });
    await feed('… Clear directory? y/N:\n');
    await feed('… Clear directory? y/N:\n');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual(['y\n']);
    expect(unmatched).toHaveLength(1);
  });

  it('stops cleanly', async () => {
    const { w, unmatched } = watcher([{ prompt: 'x', send: 'y' }]);
    w.feed('Sure? ');
    w.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(unmatched).toEqual([]);
  });

  it.each([
    [{ cursorLine: 'Password: ', lineAbove: '', fullScreen: false }, true],
    [{ cursorLine: 'Overwrite? ', lineAbove: '', fullScreen: false }, true],
    [{ cursorLine: 'Is this correct? (y/N) ', lineAbove: '', fullScreen: false }, true],
    [{ cursorLine: '', lineAbove: 'Continue (y/N)?', fullScreen: false }, true],
    [{ cursorLine: '', lineAbove: '… Clear directory? y/N:', fullScreen: false }, true],
    [{ cursorLine: '', lineAbove: 'To start using your cluster, run:', fullScreen: false }, false],
    [{ cursorLine: '50% done', lineAbove: '', fullScreen: false }, false],
    [{ cursorLine: '   ', lineAbove: '', fullScreen: false }, false],
    [{ cursorLine: '', lineAbove: '', fullScreen: true }, true],
  ])('looksLikePrompt(%j) = %s', (view, expected) => {
    expect(looksLikePrompt(view)).toBe(expected);
  });
});
