// Clock times in reports: the time stamp of a plain line, and reading ISO stamps back.
// (Durations are worded by engine/util/duration.ts.)

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
