// --skip-check ID or HOST/ID (run, preflight): an admin's way past a check that is wrong for an
// unusual host. A name no step kind declares (a typo) or a host the inventory lacks is a usage
// error, so a skip never silently does nothing; `reachable` cannot be skipped (nothing is known).
import { PlayError } from '../engine/errors.js';
import type { Inventory } from '../engine/model.js';
import type { StepKind } from '../engine/step-kind.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkSkips(skips: readonly string[], kinds: readonly StepKind<any>[], inventory: Inventory): string[] {
  const known = new Set(kinds.flatMap((k) => (k.preflight ?? []).map((c) => c.id)));
  for (const s of skips) {
    const [host, id] = s.includes('/') ? (s.split('/', 2) as [string, string]) : [undefined, s];
    if (id === 'reachable') throw new PlayError('--skip-check reachable: a host whose facts cannot be gathered cannot be checked or run; fix the connection', { code: 'E_USAGE' });
    if (!known.has(id)) throw new PlayError(`--skip-check ${s}: no step kind declares a check "${id}" (known: ${[...known].sort().join(', ')})`, { code: 'E_USAGE' });
    if (host !== undefined && !inventory.hosts.some((h) => h.name === host)) throw new PlayError(`--skip-check ${s}: no host named "${host}" in ${inventory.file}`, { code: 'E_USAGE' });
  }
  return [...skips];
}
