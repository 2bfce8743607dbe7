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
