// Turns a byte stream into complete lines for onLine callbacks (the tail is flushed at end).
export class LineSplitter {
  private buffer = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string | Buffer): void {
    this.buffer += chunk.toString();
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      this.onLine(this.buffer.slice(0, nl).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(nl + 1);
    }
  }

  flush(): void {
    if (this.buffer.length > 0) this.onLine(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
  }
}
