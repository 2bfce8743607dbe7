// One way to turn an AbortSignal into the E_ABORTED PlayError every caller guards on.
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
