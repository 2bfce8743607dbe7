// The engine owns the step-kind contract and knows nothing of its plug-ins: nothing under
// engine/ imports steps/, lab/ or cli/ (eslint's no-restricted-imports says so too; this test
// keeps it true even where lint is not run, dynamic imports included).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => relative(root, resolve(dirname(file), m[1]!)));
}

describe('the composition root', () => {
  it('engine/ imports nothing from steps/, lab/ or cli/', () => {
    const offending = sourceFiles(join(root, 'engine')).flatMap((f) =>
      importsOf(f)
        .filter((target) => /^(steps|lab|cli)\//.test(target))
        .map((target) => `${relative(root, f)} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('the CLI lives in cli/ and is what package.json runs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['podsec-play']).toBe('dist/cli/main.js');
    expect(sourceFiles(join(root, 'engine')).some((f) => relative(root, f).startsWith('engine/cli'))).toBe(false);
  });
});
