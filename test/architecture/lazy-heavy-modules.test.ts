// A run loads only what its hosts and steps use: the libraries that are large to load
// (@kubernetes/client-node ~0.9 s and ~60 MB, execa) are reached from `run` only through dynamic
// import(), so a 500-host run of shell steps never pays for them. This follows the static
// (value) imports from the run's entry and fails on any path that reaches one of them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const HEAVY = ['@kubernetes/client-node', 'execa'];

/** Static value imports of a file: `import x from`, `import {…} from`, `export … from` — not
 * `import type`, not `import(…)`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)([^;'"]*?)\s+from\s+['"]([^'"]+)['"]/gms)) {
    // `import { type A, type B } from` is a type import too.
    const names = m[2]!;
    if (/^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'))) continue;
    specs.push(m[3]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

function toSource(from: string, spec: string): string | undefined {
  const p = resolve(dirname(from), spec).replace(/\.js$/, '.ts');
  return existsSync(p) ? p : undefined;
}

/** Every chain of static imports from `entry` that ends at a heavy package. */
function pathsToHeavy(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const walk = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const next = toSource(file, spec);
        if (next) walk(next, [...chain, relative(root, next)]);
      } else if (HEAVY.some((h) => spec === h || spec.startsWith(`${h}/`))) {
        found.push([...chain, spec].join(' -> '));
      }
    }
  };
  walk(entry, [relative(root, entry)]);
  return found;
}

describe('what a run loads', () => {
  it('reaches neither the Kubernetes client nor execa through static imports', () => {
    expect(pathsToHeavy(resolve(root, 'cli/run-playbook.ts'))).toEqual([]);
  });

  it('the walk does find a static import of the Kubernetes client (the test can fail)', () => {
    expect(pathsToHeavy(resolve(root, 'steps/lib/kube-api-client.ts'))).toEqual(['steps/lib/kube-api-client.ts -> @kubernetes/client-node']);
  });
});
