// Escape codes from remote programs never reach plain output; colour only when chosen.
import { describe, expect, it } from 'vitest';
import { cleanLine, cleanText, makePaint, wantColor } from '../../engine/report/ansi.js';

describe('terminal text', () => {
  it('removes colour, cursor moves, window titles and stray control characters', () => {
    expect(cleanText('\x1b]0;title\x07a\x1b[31mb\x1b[0m\x1b[2K\rc\x00d\te')).toBe('abcd  e');
    expect(cleanLine('one\r\ntwo\n\nthree')).toBe('one ⏎ two ⏎ three');
  });

  it('paints only when enabled, and NO_COLOR wins over a terminal', () => {
    expect(makePaint(true).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(makePaint(false).red('x')).toBe('x');
    expect(wantColor(undefined, true, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor(undefined, true, {})).toBe(true);
    expect(wantColor(true, false, { NO_COLOR: '1' })).toBe(true);
  });
});
