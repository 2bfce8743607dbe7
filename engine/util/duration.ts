// Durations, read and written: parsed from playbooks (a number of seconds, or "500ms", "30s",
// "5m", "2h", "1d") and worded the same way by every reporter (plain, TUI, summary, plan, demo).
/** The spellings parseDuration accepts, for JSON Schemas: 500ms, 30s, 5m, 2h, 1d (decimals allowed). */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';

/** What a duration looks like, in the words every schema message uses. */
export const DURATION_WORDS = 'a duration such as 500ms, 30s, 5m, 2h or 1d';

/** JSON Schema of a duration string; patternErrorMessage is what editors (and validate) say when it does not match. */
export const DURATION_SCHEMA = {
  type: 'string',
  pattern: DURATION_PATTERN,
  description: `${DURATION_WORDS[0]!.toUpperCase()}${DURATION_WORDS.slice(1)}.`,
  patternErrorMessage: `must be ${DURATION_WORDS}`,
} as const;

/** A duration string, or a number of seconds. */
export const DURATION_OR_SECONDS_SCHEMA = {
  description: `A number of seconds, or ${DURATION_WORDS}.`,
  errorMessage: `must be a number of seconds or ${DURATION_WORDS}`,
  oneOf: [{ type: 'number', minimum: 0 }, DURATION_SCHEMA],
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`invalid duration "${value}" (expected ${DURATION_WORDS})`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** Elapsed time for people: `0.4s`, `12.3s`, `1m 05s`, `2h 03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** A whole-second countdown or elapsed time for live displays: `4s`, `1m 05s`. */
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  return formatDuration(s * 1000);
}

/** A configured span as written in playbooks: `500ms`, `1s`, `1.5s`, `5m`, `2h`, `1h30m`. */
export function formatSpan(ms: number): string {
  if (ms % 1000 !== 0 || ms === 0) return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
  const s = ms / 1000;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h${formatSpan((s % 3600) * 1000)}`;
  if (s % 60 === 0) return `${s / 60}m`;
  if (s > 60) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}
