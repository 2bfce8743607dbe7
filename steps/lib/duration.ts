// `with.timeout: 5m`-style durations of podsec step kinds, parsed the same way everywhere.
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';

/** Schema fragment for a duration field: `500ms`, `30s`, `5m`, `1h`, or a number of seconds. */
export const durationSchema = {
  oneOf: [
    { type: 'string', pattern: DURATION_PATTERN },
    { type: 'integer', minimum: 0 },
  ],
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `value` (a duration string, or seconds as a number); `fallback` when undefined. */
export function parseDuration(value: string | number | undefined, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v * 1000;
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(v);
  if (!m) throw new Error(`invalid duration "${v}" (expected e.g. 30s, 5m, 1h)`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}
