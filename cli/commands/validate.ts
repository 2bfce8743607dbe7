// `podsec-play validate`: every problem in the playbook (and inventory), as FILE:LINE:COL.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: podsec-play validate PLAYBOOK [-i INVENTORY]

Checks, before anything runs: YAML syntax, the schemas (each step kind checks its own with:),
unknown step kinds, roles and hosts, duplicate ids, and expressions that cannot resolve.
Without an inventory only what the playbook alone can tell is checked. Every problem is
printed as FILE:LINE:COL: message; the exit code is 2 when there is any.

Options:
  -i, --inventory FILE   also check against this inventory (roles, hosts, secrets)
  -h, --help             this help`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a playbook (and inventory) and print every problem as FILE:LINE:COL',
  help: usage,
  async run(args) {
    const { values, positionals } = parse(args, { inventory: { type: 'string', short: 'i' } }, usage);
    if (positionals.length !== 1) throw usageError('validate takes exactly one PLAYBOOK', usage);
    const playbookFile = resolve(positionals[0]!);
    const [{ loadInputs }, { Masker }, { stepKinds }] = await Promise.all([
      import('../../engine/load/index.js'),
      import('../../engine/secrets/masker.js'),
      import('../../steps/index.js'),
    ]);
    const loaded = loadInputs({
      playbookFile,
      ...(values.inventory ? { inventoryFile: resolve(values.inventory) } : {}),
      env: process.env,
      masker: new Masker(),
      kinds: stepKinds,
      // Secrets are checked by run, which needs their values; validation needs none.
      checkSecrets: false,
    });
    const what = values.inventory ? `${positionals[0]} with ${values.inventory}` : positionals[0];
    const steps = loaded.playbook.phases.reduce((n, p) => n + p.steps.length, 0);
    process.stdout.write(`${what}: valid (${loaded.playbook.phases.length} phases, ${steps} steps)\n`);
    return EXIT.ok;
  },
};
