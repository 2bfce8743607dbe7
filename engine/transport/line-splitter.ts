// Turns a byte stream into complete lines for onLine (UTF-8 safe across chunk borders),
// so a step's output streams line by line while the command runs.
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  // Made on the first output: most commands of a run print nothing on one of their streams.
  private decoder: StringDecoder | undefined;
  private rest = '';

  constructor(private readonly emit: (line: string) => void) {}

  /** Feed bytes; returns the decoded text (for prompt watching). */
  push(chunk: Buffer): string {
    const text = (this.decoder ??= new StringDecoder('utf8')).write(chunk);
    this.rest += text;
    let nl = this.rest.indexOf('\n');
    while (nl !== -1) {
      this.emit(this.rest.slice(0, nl).replace(/\r$/, ''));
      this.rest = this.rest.slice(nl + 1);
      nl = this.rest.indexOf('\n');
    }
    return text;
  }

  /** Emit the last line when the output did not end with a newline. */
  flush(): void {
    this.rest += this.decoder?.end() ?? '';
    const last = this.rest.replace(/\r$/, '');
    this.rest = '';
    if (last !== '') this.emit(last);
  }
}
