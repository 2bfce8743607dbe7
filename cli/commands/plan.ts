// `podsec-play plan`: the ordered plan (phase → host → step) and its hash, without running it.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import type { SealRecord } from '../../engine/journal/types.js';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';
import { defaultStateFile } from '../paths.js';

const usage = `Usage: podsec-play plan PLAYBOOK -i INVENTORY [--format text|json|mermaid|dot] [--state FILE]

Prints what a run would do, in order: phases, their hosts (with concurrency), each host's
steps, and the plan hash (the same inputs always give the same hash). Hosts whose SSH an
earlier run turned off are marked as sealed; when a step would need SSH on one, the refusal the
run would give is printed on stderr and the exit code is 2, as for the run.

Options:
  -i, --inventory FILE   inventory YAML (required)
      --format FORMAT    text (default), json, mermaid or dot
      --state FILE       the state whose sealed hosts to show (default as for run)
  -h, --help             this help`;

const FORMATS = ['text', 'json', 'mermaid', 'dot'] as const;

async function formatter(format: (typeof FORMATS)[number]) {
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

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the ordered plan (text, json, mermaid or dot) without running it',
  help: usage,
  async run(args) {
    const { values, positionals } = parse(args, { inventory: { type: 'string', short: 'i' }, format: { type: 'string' }, state: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw usageError('plan takes exactly one PLAYBOOK', usage);
    if (!values.inventory) throw usageError('plan needs an inventory: -i INVENTORY', usage);
    const format = (values.format ?? 'text') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw usageError(`unknown format "${values.format}" (text, json, mermaid, dot)`, usage);
    const playbookFile = resolve(positionals[0]!);
    const inventoryFile = resolve(values.inventory);
    const [{ Masker }, { SealRegistry }, { loadAndPlan }, format_, { sealedRefusals, describeRefusals }, { findStepKind }, { finishedStepsOf }, { sealedHint }] = await Promise.all([
      import('../../engine/secrets/masker.js'),
      import('../../engine/journal/seal-registry.js'),
      import('../load-for-cli.js'),
      formatter(format),
      import('../../engine/plan/sealed-refusals.js'),
      import('../../steps/index.js'),
      import('../finished-steps.js'),
      import('../kubeconfig-path.js'),
    ]);
    const masker = new Masker();
    const { plan, inventory } = loadAndPlan(playbookFile, inventoryFile, masker, { checkSecrets: false });
    const stateFile = resolve(values.state ?? defaultStateFile(playbookFile, inventoryFile));
    const seals = SealRegistry.forRun(stateFile, inventoryFile);
    const sealed: Record<string, SealRecord> = {};
    for (const host of inventory.hosts) {
      const seal = seals.find(host);
      if (seal) sealed[host.name] = seal;
    }
    process.stdout.write(masker.mask(format_(plan, sealed)).replace(/\n?$/, '\n'));
    const refusals = sealedRefusals({ plan, inventory, sealOf: (h) => seals.find(h), findKind: findStepKind, finished: finishedStepsOf(stateFile, plan, false), hint: sealedHint(inventoryFile) });
    if (refusals.length > 0) {
      process.stderr.write(`podsec-play: a run would be refused:\n${masker.mask(describeRefusals(refusals))}\n`);
      return EXIT.invalid;
    }
    return EXIT.ok;
  },
};
