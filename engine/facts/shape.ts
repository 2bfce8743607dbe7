// The shape of HostFacts for validation: before a run the values are unknown (they are gathered
// when it starts, like step outputs), but a path into them can still be checked, so
// `${{ host.facts.intrenal.interface }}` is an error at validate time, not half-way through a run.
// A unit test keeps this in step with what the parser produces.

/** `value`: a leaf; `map`/`list`: any key or index, anything below it. */
export type FactShape = 'value' | 'map' | 'list' | { readonly [key: string]: FactShape };

export const FACTS_SHAPE: FactShape = {
  gatheredAt: 'value',
  os: { id: 'value', name: 'value', versionId: 'value', prettyName: 'value', branch: 'value', cpe: 'value' },
  platform: 'value',
  kernel: 'value',
  arch: 'value',
  hostname: 'value',
  machineId: 'value',
  packages: 'map',
  interfaces: 'map',
  routes: 'list',
  defaultRoute: { gateway: 'value', interface: 'value' },
  internal: { address: 'value', interface: 'value', prefix: 'value', subnet: 'value' },
  sshAddress: 'value',
  time: { epochMs: 'value', skewMs: 'value', synchronized: 'value', ntp: 'value', source: 'value' },
  swap: { on: 'value', devices: 'list' },
  cgroup: { version: 'value', fs: 'value' },
  sysctl: 'map',
  listening: 'list',
  disk: { varLib: { availableBytes: 'value', sizeBytes: 'value', mount: 'value' } },
  apt: { sources: 'list' },
  paths: 'map',
  unknown: 'map',
};

/** Why `path` (below `facts`) cannot name a fact, or undefined when it can. */
export function factPathProblem(path: readonly string[], label: string): string | undefined {
  let shape: FactShape = FACTS_SHAPE;
  let at = label;
  for (const seg of path) {
    if (shape === 'map' || shape === 'list') return undefined;
    if (shape === 'value') return `${at} is a value, it has no "${seg}"`;
    const next: FactShape | undefined = Object.prototype.hasOwnProperty.call(shape, seg) ? shape[seg] : undefined;
    if (next === undefined) return `${at} has no "${seg}" (it has: ${Object.keys(shape).join(', ')})`;
    shape = next;
    at = `${at}.${seg}`;
  }
  return undefined;
}
