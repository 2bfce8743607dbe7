// Bounded, abortable polling for conditions that settle on a remote host (nodes Ready, a VIP
// answering, a port closing): never an unbounded loop, always stopped by the step's signal.
import { PlayError } from '../../engine/errors.js';

/** Resolve after `ms`, or reject with E_ABORTED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new PlayError('aborted', { code: 'E_ABORTED' }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new PlayError('aborted', { code: 'E_ABORTED' }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Call `attempt` until it returns a value other than undefined or the deadline passes; then
 * return undefined. The first attempt runs at once; the last one starts before the deadline.
 */
export async function poll<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    const left = deadline - now();
    if (left <= 0) return undefined;
    await sleep(Math.min(options.intervalMs, left), options.signal);
  }
}
