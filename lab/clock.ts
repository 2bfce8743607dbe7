// Lab time = real time + the offset in DIR/clock.json. `lab clock --advance 3h` moves it, so
// tests can expire bootstrap tokens (24 h) and certificate keys (2 h) without waiting.
import { readFileSync } from 'node:fs';
import { labFiles, writeFileAtomic } from './layout.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `3h`, `1d`, `1h30m` → milliseconds; undefined when it does not parse. */
export function parseLabDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(?:\d+(?:\.\d+)?[smhd])+$/.test(t)) return undefined;
  return [...t.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (UNITS[unit ?? ''] ?? 0), 0);
}

export function readClockOffset(dir: string): number {
  try {
    const { offsetMs } = JSON.parse(readFileSync(labFiles(dir).clock, 'utf8')) as { offsetMs?: number };
    return typeof offsetMs === 'number' ? offsetMs : 0;
  } catch {
    return 0;
  }
}

export function labNow(dir: string): number {
  return Date.now() + readClockOffset(dir);
}

/** Move lab time forward; returns the new lab time (ms since the epoch). */
export function advanceClock(dir: string, ms: number): number {
  const offsetMs = readClockOffset(dir) + ms;
  writeFileAtomic(labFiles(dir).clock, JSON.stringify({ offsetMs }) + '\n');
  return Date.now() + offsetMs;
}

export function ensureClock(dir: string): void {
  try {
    readFileSync(labFiles(dir).clock);
  } catch {
    writeFileAtomic(labFiles(dir).clock, JSON.stringify({ offsetMs: 0 }) + '\n');
  }
}
