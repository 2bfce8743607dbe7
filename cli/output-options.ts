// The output flags of `run`, read in one place: which reporter, and where --junit goes. `--junit -`
// is stdout, allowed only when nothing else writes there (--quiet); otherwise a usage error,
// never a file named "-".
import { resolve } from 'node:path';
import type { ReporterMode } from '../engine/report/index.js';
import { usageError } from './command.js';

export function reporterMode(flags: { json?: boolean; quiet?: boolean; plain?: boolean }): ReporterMode {
  const chosen = (['json', 'quiet', 'plain'] as const).filter((m) => flags[m]);
  if (chosen.length > 1) throw usageError(`choose one of --${chosen.join(', --')}`);
  return chosen[0] ?? 'auto';
}

/** `{ junitFile }` for a file, `{ junitStdout: true }` for "-", nothing without --junit. */
export function junitTarget(junit: string | undefined, mode: ReporterMode): { junitFile?: string; junitStdout?: boolean } {
  if (junit === undefined) return {};
  if (junit === '') throw usageError('--junit needs a file name (or "-" for stdout with --quiet)');
  if (junit !== '-') return { junitFile: resolve(junit) };
  if (mode !== 'quiet') {
    const other = mode === 'json' ? 'the JSON events (--json)' : 'the progress output';
    throw usageError(`--junit - writes the report to stdout, where ${other} already goes: add --quiet, or give a file name`);
  }
  return { junitStdout: true };
}
