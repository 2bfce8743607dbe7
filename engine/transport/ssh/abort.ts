// One way to turn an AbortSignal into the E_ABORTED PlayError every caller guards on, and the
// signal of a command that two signals may abort (the step's and the run's).
import { PlayError } from '../../errors.js';

export function abortError(host: string, what: string): PlayError {
  return new PlayError(`${host}: ${what} aborted`, { code: 'E_ABORTED', host });
}

/** Settle with the promise, or reject with E_ABORTED as soon as the signal fires. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, host: string, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(host, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(host, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * One signal that aborts when either does, undone by `dispose` once the command is over.
 * AbortSignal.any would do the same, but it keeps each combined signal alive through weak
 * references the garbage collector must trace; one per command on hundreds of hosts shows.
 */
export function linkSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!a || !b || a === b) return { signal: a ?? b, dispose: () => undefined };
  if (a.aborted) return { signal: a, dispose: () => undefined };
  if (b.aborted) return { signal: b, dispose: () => undefined };
  const controller = new AbortController();
  const onA = (): void => controller.abort(a.reason);
  const onB = (): void => controller.abort(b.reason);
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}
