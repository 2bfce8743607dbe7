// Asks for a key passphrase on the terminal without echoing it, one question at a time even
// when many hosts connect at once (so prompts never interleave).
import { PlayError } from '../../errors.js';

export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream;
}

let queue: Promise<unknown> = Promise.resolve();

/** Read one line with echo off. Ctrl-C or Ctrl-D with nothing typed rejects with E_ABORTED. */
export function askHidden(prompt: string, streams: PromptStreams): Promise<string> {
  const run = queue.then(() => readHidden(prompt, streams));
  queue = run.catch(() => undefined);
  return run;
}

function readHidden(prompt: string, { input, output }: PromptStreams): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const wasRaw = input.isTTY === true && typeof input.setRawMode === 'function';
    if (wasRaw) input.setRawMode?.(true);
    output.write(prompt);
    let answer = '';
    const finish = (err?: Error): void => {
      input.removeListener('data', onData);
      if (wasRaw) input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolvePromise(answer);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && answer === '')) {
          return finish(new PlayError('passphrase prompt interrupted', { code: 'E_ABORTED' }));
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (ch === '\u0015') answer = '';
        else answer += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
