// The one interface every output consumer implements; the runner feeds events and awaits close().
import type { PlayEvent } from '../events/types.js';

export interface Reporter {
  onEvent(event: PlayEvent): void;
  /** Flush and finish: the runner awaits this before it exits. */
  close(): Promise<void>;
}

/** Resolves once everything written so far has been handed to the OS. */
export function flushStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if ((stream as { destroyed?: boolean }).destroyed || (stream as { writableEnded?: boolean }).writableEnded) {
      resolve();
      return;
    }
    stream.write('', () => resolve());
  });
}

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that goes away (`--json | head`, a closed pager) must not crash the run: errors on
 * stdout/stderr (EPIPE) are absorbed, and writes to a stream that failed are dropped. The run
 * goes on; the log file still gets everything.
 */
export function guardStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', () => undefined);
  }
  return stream;
}

/** Writes unless the stream has failed or ended. */
export function writeTo(stream: NodeJS.WritableStream, text: string): void {
  const s = stream as { destroyed?: boolean; writableEnded?: boolean };
  if (s.destroyed || s.writableEnded) return;
  stream.write(text);
}
