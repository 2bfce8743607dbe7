// Durations and clock times worded the same way by every reporter (plain, TUI, summary, status).

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

/** `HH:MM:SS.mmm` in local time, for plain log lines. */
export function formatClock(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

/** Milliseconds since the epoch of an ISO time stamp, or undefined when it does not parse. */
export function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}
