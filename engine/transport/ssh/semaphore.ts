// Caps the sessions open at once on one connection: sshd refuses more than MaxSessions
// (10 by default) per connection, so extra execs wait here instead of failing.

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private releaseWatchers: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** Resolves with a release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.capacity) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.take();
  }

  /** A slot now, when one is free and nobody is waiting for one (else undefined). */
  tryAcquire(): (() => void) | undefined {
    return this.active < this.capacity && this.waiting.length === 0 ? this.take() : undefined;
  }

  private take(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const watchers = this.releaseWatchers;
      this.releaseWatchers = [];
      for (const w of watchers) w();
      this.waiting.shift()?.();
    };
  }

  /** Slots in use (including the caller's). */
  get inUse(): number {
    return this.active;
  }

  /** Resolves when any holder next releases its slot. */
  nextRelease(): Promise<void> {
    return new Promise((resolve) => this.releaseWatchers.push(resolve));
  }
}
