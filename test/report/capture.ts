// A writable stream that keeps what was written, standing in for stdout/stderr in reporter tests.
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }

  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}
