// A host's facts in one line for people (the preflight table, the run's log, `status`):
// system, platform, kernel, where its cluster address lives, and what is unusual.
import type { HostFacts } from './types.js';

export function summarizeFacts(f: HostFacts): string {
  const parts: string[] = [];
  const os = f.os.prettyName ?? f.os.name ?? f.os.id;
  if (os) parts.push(f.platform ? `${os} (platform ${f.platform})` : os);
  if (f.kernel) parts.push(`kernel ${f.kernel}${f.arch ? ` ${f.arch}` : ''}`);
  if (f.hostname) parts.push(`hostname ${f.hostname}`);
  if (f.internal) parts.push(`${f.internal.address}/${f.internal.prefix} on ${f.internal.interface}`);
  if (f.swap.on) parts.push('swap on');
  if (f.time.skewMs !== undefined && Math.abs(f.time.skewMs) >= 1000) parts.push(`clock ${formatSkew(f.time.skewMs)}`);
  return parts.join(', ');
}

/** `3h 0m ahead`, `42s behind`. */
export function formatSkew(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  // Rounded to what is shown: an hour-sized skew in minutes, a minute-sized one in seconds.
  const m = Math.round(s / 60);
  const text = s >= 3570 ? `${Math.floor(m / 60)}h ${m % 60}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
  return `${text} ${ms > 0 ? 'ahead' : 'behind'}`;
}
