// `podsec-play plan`: what a run would do, in order, without connecting anywhere.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import type { SealRecord } from '../../engine/journal/types.js';
import { Option, exits, newCommand, type Command } from '../command.js';
import { defaultStateFile } from '../paths.js';

const FORMATS = ['text', 'json', 'mermaid', 'dot'] as const;
type Format = (typeof FORMATS)[number];

async function formatter(format: Format) {
  switch (format) {
    case 'json':
      return (await import('../../engine/plan/format-json.js')).formatPlanJson;
    case 'mermaid':
      return (await import('../../engine/plan/format-mermaid.js')).formatPlanMermaid;
    case 'dot':
      return (await import('../../engine/plan/format-dot.js')).formatPlanDot;
    default:
      return (await import('../../engine/plan/format-text.js')).formatPlanText;
  }
}

export function planCommand(): Command {
  return newCommand('plan')
    .summary('print the ordered plan (text, json, mermaid or dot) without running it')
    .description(
      'Prints what a run would do, in order: phases, their hosts (with concurrency), each host’s steps, and the plan hash (the same inputs always give the same hash). Hosts whose SSH an earlier run turned off are marked as sealed; when a step would need SSH on one, the refusal the run would give is printed on stderr and the exit code is 2, as for the run.',
    )
    .argument('<playbook>', 'playbook YAML')
    .requiredOption('-i, --inventory <file>', 'inventory YAML (required)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--state <file>', 'the state whose sealed hosts to show (default as for run)')
    .action(
      exits(async (playbook: string, flags: { inventory: string; format: Format; state?: string }) => {
        const playbookFile = resolve(playbook);
        const inventoryFile = resolve(flags.inventory);
        const [{ Masker }, { SealRegistry }, { loadAndPlan }, format, { sealedRefusals, describeRefusals }, { findStepKind }, { finishedStepsOf }, { sealedHint }] = await Promise.all([
          import('../../engine/secrets/masker.js'),
          import('../../engine/journal/seal-registry.js'),
          import('../load-for-cli.js'),
          formatter(flags.format),
          import('../../engine/plan/sealed-refusals.js'),
          import('../../steps/index.js'),
          import('../finished-steps.js'),
          import('../kubeconfig-path.js'),
        ]);
        const masker = new Masker();
        const { plan, inventory } = loadAndPlan(playbookFile, inventoryFile, masker, { checkSecrets: false });
        const stateFile = resolve(flags.state ?? defaultStateFile(playbookFile, inventoryFile));
        const seals = SealRegistry.forRun(stateFile, inventoryFile);
        const sealed: Record<string, SealRecord> = {};
        for (const host of inventory.hosts) {
          const seal = seals.find(host);
          if (seal) sealed[host.name] = seal;
        }
        process.stdout.write(masker.mask(format(plan, sealed)).replace(/\n?$/, '\n'));
        const refusals = sealedRefusals({ plan, inventory, sealOf: (h) => seals.find(h), findKind: findStepKind, finished: finishedStepsOf(stateFile, plan, false), hint: sealedHint(inventoryFile) });
        if (refusals.length > 0) {
          process.stderr.write(`podsec-play: a run would be refused:\n${masker.mask(describeRefusals(refusals))}\n`);
          return EXIT.invalid;
        }
        return EXIT.ok;
      }),
    );
}
