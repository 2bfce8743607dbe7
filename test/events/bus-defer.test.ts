import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFER_LIMIT_MS, EventBus } from '../../engine/events/bus.js';
import type { PlayEvent, PlayEventBody } from '../../engine/events/types.js';
import { Masker } from '../../engine/secrets/masker.js';

const started = (step: string, title = 't'): PlayEventBody => ({ type: 'step.started', phase: 'p', host: 'h', step, uses: 'shell', title, attempt: 1, attempts: 1 });

function busWith(masker = new Masker(), clock = { t: 0 }) {
  const bus = new EventBus('run-1', masker, () => new Date(Date.UTC(2026, 0, 1) + clock.t));
  const seen: PlayEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  return { bus, seen, clock };
}

describe('event bus: deferred step events', () => {
  afterEach(() => vi.useRealTimers());

  it('holds a deferred event until flush, stamped with the time it was deferred', () => {
    const { bus, seen, clock } = busWith();
    bus.defer(started('a'));
    expect(seen).toEqual([]);
    clock.t = 5000;
    bus.flush();
    expect(seen.map((e) => e.type === 'step.started' && e.step)).toEqual(['a']);
    expect(seen[0]!.ts).toBe('2026-01-01T00:00:00.000Z');
    bus.flush();
    expect(seen).toHaveLength(1);
  });

  it('delivers deferred events, in order, before any event emitted after them', () => {
    const { bus, seen } = busWith();
    bus.defer(started('a'));
    bus.defer(started('b'));
    bus.emit({ type: 'log', level: 'info', message: 'later' });
    expect(seen.map((e) => (e.type === 'step.started' ? e.step : e.type))).toEqual(['a', 'b', 'log']);
  });

  it('masks on delivery: a secret registered after the event was deferred is masked too', () => {
    const masker = new Masker();
    const { bus, seen } = busWith(masker);
    bus.defer(started('a', 'join with abcdef123456.0123456789abcdef'));
    masker.add('abcdef123456.0123456789abcdef');
    bus.flush();
    expect(JSON.stringify(seen)).not.toContain('abcdef123456');
  });

  it('delivers a deferred event within DEFER_LIMIT_MS when nothing flushes it', () => {
    vi.useFakeTimers();
    const { bus, seen } = busWith();
    bus.defer(started('a'));
    vi.advanceTimersByTime(DEFER_LIMIT_MS - 1);
    expect(seen).toEqual([]);
    bus.defer(started('b'));
    vi.advanceTimersByTime(1);
    expect(seen.map((e) => e.type === 'step.started' && e.step)).toEqual(['a', 'b']);
  });
});
