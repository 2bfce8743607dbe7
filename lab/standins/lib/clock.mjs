// Lab time = real time + DIR/clock.json's offset (moved by `podsec-play lab clock --advance`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR } from './env.mjs';

export function labNow() {
  try {
    const { offsetMs } = JSON.parse(readFileSync(join(LAB_DIR, 'clock.json'), 'utf8'));
    return Date.now() + (typeof offsetMs === 'number' ? offsetMs : 0);
  } catch {
    return Date.now();
  }
}

export const HOUR = 3_600_000;

/** kubeadm-style durations: 24h, 2h0m0s, 30m, 90s, 0 (never). */
export function parseDuration(text) {
  if (text === '0') return 0;
  const m = String(text).match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}
