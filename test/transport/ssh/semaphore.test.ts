import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../engine/transport/ssh/semaphore.js';

describe('session semaphore', () => {
  it('hands a released slot to the caller already waiting: one arriving in between gets none', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const waiting = s.acquire();
    first();
    expect(s.tryAcquire()).toBeUndefined();
    const second = await waiting;
    expect(s.inUse).toBe(1);
    second();
    expect(s.inUse).toBe(0);
    const third = s.tryAcquire();
    expect(third).toBeTypeOf('function');
    third!();
    third!();
    expect(s.inUse).toBe(0);
  });

  it('never holds more than its capacity, whatever the order of acquires and releases', async () => {
    const s = new Semaphore(2);
    let held = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = i % 2 === 0 ? (s.tryAcquire() ?? (await s.acquire())) : await s.acquire();
        held++;
        most = Math.max(most, held, s.inUse);
        await Promise.resolve();
        held--;
        release();
      }),
    );
    expect(most).toBeLessThanOrEqual(2);
    expect(s.inUse).toBe(0);
  });
});
