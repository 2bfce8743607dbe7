// Files the CLI ships beside its code — playbooks, schemas, the lab's stand-in scripts — found
// from the package (npm install, a checkout), or, in the single executable, from where it unpacked
// them on first use (cli/sea/). The composition root hands these paths to the lab and the demo.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set by the single executable's entry once it has unpacked its assets. */
const SEA_ROOT_ENV = 'PODSEC_PLAY_SEA_ROOT';

/** The package root: holds playbooks/, schemas/, lab/standins/. */
export function packageRoot(): string {
  const unpacked = process.env[SEA_ROOT_ENV];
  if (unpacked) return unpacked;
  // dist/cli/resources.js (compiled) or cli/resources.ts (sources, under vitest)
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', '..'), join(here, '..')].find((dir) => existsSync(join(dir, 'playbooks'))) ?? join(here, '..', '..');
}

export function shippedPlaybook(name: string): string {
  return join(packageRoot(), 'playbooks', name);
}

/** Where the lab finds its stand-ins and, in the single executable, the `node` that runs them. */
export function standinsOption(): { standinsDir: string; nodeBinDir?: string } {
  const root = packageRoot();
  const sea = process.env[SEA_ROOT_ENV] !== undefined;
  return { standinsDir: join(root, 'lab', 'standins'), ...(sea ? { nodeBinDir: join(root, 'bin') } : {}) };
}
