// The passphrase prompt reads a line with echo off and never writes what was typed.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askHidden } from '../../../engine/transport/ssh/tty-prompt.js';

function fakeTty() {
  const input = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
  const tty = Object.assign(input, {
    setRawMode(mode: boolean) {
      input.rawModes.push(mode);
      return input;
    },
  });
  const output = new PassThrough();
  let written = '';
  output.on('data', (c: Buffer) => (written += c.toString()));
  return { input: tty, output, written: () => written };
}

describe('askHidden', () => {
  it('reads a line in raw mode without echoing it, handling backspace', async () => {
    const t = fakeTty();
    const answer = askHidden('Passphrase: ', t);
    t.input.write('secrex\u007ft\r');
    expect(await answer).toBe('secret');
    expect(t.written()).toBe('Passphrase: \n');
    expect(t.input.rawModes).toEqual([true, false]);
  });

  it('asks one question at a time', async () => {
    const t = fakeTty();
    const first = askHidden('A: ', t);
    const second = askHidden('B: ', t);
    t.input.write('one\n');
    expect(await first).toBe('one');
    t.input.write('two\n');
    expect(await second).toBe('two');
    expect(t.written()).toBe('A: \nB: \n');
  });

  it('rejects with E_ABORTED on Ctrl-C', async () => {
    const t = fakeTty();
    const answer = askHidden('P: ', t);
    t.input.write('\u0003');
    await expect(answer).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});
