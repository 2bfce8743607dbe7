// `podsec-play kubeconfig -i INVENTORY`: the cluster's admin kubeconfig again, from the state a
// run saved when it fetched it (before the seal), for an admin who lost the file or works from
// another directory. Printed on stdout, or written with mode 0600 (--write: where runs keep it;
// -o FILE: elsewhere). It is a secret: it goes only where the admin sends it.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EXIT, InputError, PlayError } from '../../engine/errors.js';
import { exits, newCommand, usageError, type Command } from '../command.js';
import { STATE_DIR } from '../paths.js';

interface KubeconfigFlags {
  inventory: string;
  write?: boolean;
  output?: string;
  state?: string;
  kubeconfig?: string;
}

interface Found {
  file: string;
  at: string;
  text: string;
}

export function kubeconfigCommand(): Command {
  return newCommand('kubeconfig')
    .summary("print or write the cluster's admin kubeconfig again, from the saved state")
    .description(
      "Prints the admin kubeconfig of the inventory's cluster, as the last run that fetched it saved it (the fetch-kubeconfig step, before SSH was turned off), or writes it with mode 0600. It is the way into a sealed cluster: it goes only where you send it.",
    )
    .requiredOption('-i, --inventory <file>', "the cluster's inventory")
    .option('--write', "write it where runs keep it: --kubeconfig FILE, else the inventory's cluster.kubeconfig, else CLUSTER-NAME.kubeconfig beside the inventory")
    .option('-o, --output <file>', 'write it to FILE instead')
    .option('--state <file>', "the state to read (default: every state in .podsec-play/ beside the inventory and here whose runs used this inventory; the newest wins)")
    .option('--kubeconfig <file>', 'with --write: where to write it')
    .action(exits(printKubeconfig));
}

async function printKubeconfig(flags: KubeconfigFlags): Promise<number> {
  if (flags.write && flags.output) throw usageError('--write and -o FILE: choose one');
  const inventoryFile = resolve(flags.inventory);
  const [{ loadInventory }, { readJournal }, { kubeconfigPathFor }, { writeKubeconfigFile }] = await Promise.all([
    import('../../engine/load/load-inventory.js'),
    import('../../engine/journal/journal.js'),
    import('../kubeconfig-path.js'),
    import('../../steps/lib/kubeconfig-file.js'),
  ]);
  if (!existsSync(inventoryFile)) throw new PlayError(`${inventoryFile}: cannot read: no such file`, { code: 'E_INPUT' });
  const loaded = loadInventory(inventoryFile);
  if (!loaded.inventory) throw new InputError(loaded.diagnostics);
  const inventory = loaded.inventory;

  const files = flags.state ? [resolve(flags.state)] : stateFiles([dirname(inventoryFile), process.cwd()]);
  const found: Found[] = [];
  for (const file of files) {
    let state;
    try {
      state = readJournal(file);
    } catch (err) {
      if (flags.state) throw err;
      continue; // another run's damaged state does not hide this cluster's kubeconfig
    }
    if (!flags.state && resolve(state.inventoryFile) !== inventoryFile) continue;
    for (const rec of Object.values(state.steps)) {
      const b64 = rec.uses === 'fetch-kubeconfig' && (rec.status === 'succeeded' || rec.status === 'skipped') ? rec.outputs?.['kubeconfig'] : undefined;
      if (b64) found.push({ file, at: rec.endedAt ?? '', text: Buffer.from(b64, 'base64').toString('utf8') });
    }
  }
  const newest = found.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0];
  if (!newest) {
    throw new PlayError(
      `no saved kubeconfig for ${inventoryFile}: ${files.length === 0 ? `no state in ${STATE_DIR}/ beside the inventory or here` : `none of ${files.length} state file(s) holds one`} ` +
        '(a run of cluster.yaml or ha-cluster.yaml saves it before sealing; --state FILE names the state)',
      { code: 'E_STATE' },
    );
  }
  const target = flags.output ? resolve(flags.output) : flags.write ? kubeconfigPathFor(inventory, flags.kubeconfig) : undefined;
  if (!target) {
    process.stdout.write(newest.text.endsWith('\n') ? newest.text : `${newest.text}\n`);
    return EXIT.ok;
  }
  try {
    writeKubeconfigFile(target, newest.text);
  } catch (err) {
    throw new PlayError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { code: 'E_STATE' });
  }
  process.stderr.write(`kubeconfig of cluster ${inventory.cluster.name} written to ${target} (mode 0600), from ${newest.file}\nkubectl --kubeconfig ${target} get nodes\n`);
  return EXIT.ok;
}

function stateFiles(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    const dir = join(resolve(d), STATE_DIR);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.state.json')) out.add(join(dir, f));
  }
  return [...out].sort();
}
