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

export interface LinkOptions {
  /** Link only the programs this accepts (a testbed node runs the real ones of the others). */
  only?: (name: string) => boolean;
  /** More links: name → absolute target. */
  extra?: Record<string, string>;
  /** Where the stand-in scripts are (default: this package's lab/standins). */
  source?: string;
}

export function linkStandins(binDir: string, options: LinkOptions = {}): string[] {
  const source = options.source ?? standinsDir();
  const keep = options.only ?? (() => true);
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  const names = readdirSync(source)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.slice(0, -'.mjs'.length))
    .filter(keep);
  for (const name of names) symlinkSync(join(source, `${name}.mjs`), join(binDir, name));
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (names.includes(target) && keep(alias)) symlinkSync(join(source, `${target}.mjs`), join(binDir, alias));
  }
  for (const [name, target] of Object.entries(options.extra ?? {})) symlinkSync(target, join(binDir, name));
  return names;
}
