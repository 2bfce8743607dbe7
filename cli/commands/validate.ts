// `podsec-play validate`: every problem in the playbook (and inventory), as FILE:LINE:COL.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, type Command } from '../command.js';

export function validateCommand(): Command {
  return newCommand('validate')
    .summary('check a playbook (and inventory) and print every problem as FILE:LINE:COL')
    .description(
      'Checks, before anything runs: YAML syntax, the schemas (each step kind checks its own with:), unknown step kinds, roles and hosts, duplicate ids, expressions that cannot resolve, and — with an inventory — that every referenced secret is available (inline, the secrets file or PODSEC_SECRET_NAME), sudo password secrets included. Without an inventory only what the playbook alone can tell is checked. Every problem is printed as FILE:LINE:COL: message; the exit code is 2 when there is any.',
    )
    .argument('<playbook>', 'playbook YAML')
    .option('-i, --inventory <file>', 'also check against this inventory (roles, hosts, secrets)')
    .option('--no-secrets', 'do not require the referenced secrets to be set (pipelines that validate without them)')
    .action(
      exits(async (playbook: string, flags: { inventory?: string; secrets: boolean }) => {
        const playbookFile = resolve(playbook);
        const [{ loadInputs }, { Masker }, { stepKinds }] = await Promise.all([
          import('../../engine/load/index.js'),
          import('../../engine/secrets/masker.js'),
          import('../../steps/index.js'),
        ]);
        const loaded = loadInputs({
          playbookFile,
          ...(flags.inventory ? { inventoryFile: resolve(flags.inventory) } : {}),
          env: process.env,
          masker: new Masker(),
          kinds: stepKinds,
          // Whether each secret is set, never its value: validation prints none.
          checkSecrets: flags.secrets,
        });
        const what = flags.inventory ? `${playbook} with ${flags.inventory}` : playbook;
        const steps = loaded.playbook.phases.reduce((n, p) => n + p.steps.length, 0);
        process.stdout.write(`${what}: valid (${loaded.playbook.phases.length} phases, ${steps} steps)\n`);
        return EXIT.ok;
      }),
    );
}
