// Caps the sessions open at once on one connection: sshd refuses more than MaxSessions
// (10 by default) per connection, so extra execs wait here instead of failing.

export class Semaphore {
  private active = 0;
  /** Callers waiting for a slot: a release hands its slot straight to the first of them, so a
   * caller arriving in between cannot take it too. */
  private readonly waiting: ((release: () => void) => void)[] = [];
  private releaseWatchers: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** Resolves with a release function once a slot is free. */
  async acquire(): Promise<() => void> {
    return this.tryAcquire() ?? new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A slot now, when one is free and nobody is waiting for one (else undefined). */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.capacity || this.waiting.length > 0) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Slots in use (including the caller's). */
  get inUse(): number {
    return this.active;
  }

  /** Resolves when any holder next releases its slot. */
  nextRelease(): Promise<void> {
    return new Promise((resolve) => this.releaseWatchers.push(resolve));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(this.releaser());
      else this.active--;
      const watchers = this.releaseWatchers;
      this.releaseWatchers = [];
      for (const w of watchers) w();
    };
  }
}
