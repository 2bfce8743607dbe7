// A phase's `hosts:` → inventory hosts, in inventory order. Entries are "all", roles, or names.
import type { Host } from '../model.js';

export function selectHosts(selectors: readonly string[], hosts: readonly Host[]): Host[] {
  if (selectors.includes('all')) return [...hosts];
  return hosts.filter((h) => selectors.some((s) => s === h.name || h.roles.includes(s)));
}

/** Selectors that match no host (neither a role nor a name in the inventory). */
export function unmatchedSelectors(selectors: readonly string[], hosts: readonly Host[]): string[] {
  return selectors.filter((s) => s !== 'all' && !hosts.some((h) => h.name === s || h.roles.includes(s)));
}
