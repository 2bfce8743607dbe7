// The stand-in programs (lab/standins/*.mjs, plain Node scripts) reach a node's PATH through
// DIR/bin: one symlink per program name, rebuilt at every start so a moved checkout still works.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Extra names served by the same script. */
const ALIASES: Record<string, string> = { gpg: 'gpg2', adduser: 'useradd' };

/** lab/standins, whether this module runs from lab/ (sources) or dist/lab/ (compiled). */
export function standinsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'standins'), join(here, '..', '..', 'lab', 'standins')]) {
    if (existsSync(join(candidate, 'lib'))) return candidate;
  }
  throw new Error(`lab stand-ins not found next to ${here}`);
}

export function linkStandins(binDir: string, source = standinsDir()): string[] {
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  const names = readdirSync(source)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.slice(0, -'.mjs'.length));
  for (const name of names) symlinkSync(join(source, `${name}.mjs`), join(binDir, name));
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (names.includes(target)) symlinkSync(join(source, `${target}.mjs`), join(binDir, alias));
  }
  return names;
}
