// The promises the machines are waiting on (checks, attempts, backoff sleeps), so an
// interrupted run can give running commands a moment to die before the journal is closed.
import { sleep } from '../util/sleep.js';

export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    void p.then(done, done);
    return p;
  }

  /** Resolves when everything tracked has settled, or after `graceMs`, whichever comes first. */
  async settle(graceMs: number): Promise<void> {
    const grace = new AbortController();
    await Promise.race([Promise.allSettled([...this.pending]), sleep(graceMs, grace.signal).catch(() => undefined)]);
    grace.abort();
  }
}
