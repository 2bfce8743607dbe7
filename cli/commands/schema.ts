// `podsec-play schema NAME`: prints one of the published JSON Schemas, so an editor can be pointed
// at them wherever podsec-play was installed (the single executable carries no schemas/ folder).
import { Argument } from 'commander';
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, type Command } from '../command.js';

const SCHEMAS = ['playbook', 'inventory', 'events', 'status'] as const;
type SchemaName = (typeof SCHEMAS)[number];

async function load(name: SchemaName): Promise<unknown> {
  switch (name) {
    case 'playbook': {
      // Made from the step kinds this build has: always current.
      const [{ playbookSchema }, { stepKinds }] = await Promise.all([import('../schemas/playbook-schema.js'), import('../../steps/index.js')]);
      return playbookSchema(stepKinds);
    }
    case 'inventory':
      return (await import('../../schemas/inventory.schema.json', { with: { type: 'json' } })).default;
    case 'events':
      return (await import('../../schemas/events.schema.json', { with: { type: 'json' } })).default;
    case 'status':
      return (await import('../../schemas/status.schema.json', { with: { type: 'json' } })).default;
  }
}

export function schemaCommand(): Command {
  return newCommand('schema')
    .summary('print a JSON Schema (playbook, inventory, events, status) for editors and tools')
    .description(
      'Prints the JSON Schema of playbooks (with every step kind’s with:), inventories, the --json events or status --json. For an editor: podsec-play schema playbook > playbook.schema.json, then point yaml-language-server at it (README: Editors).',
    )
    .addArgument(new Argument('<name>', 'which schema').choices(SCHEMAS))
    .action(
      exits(async (name: SchemaName) => {
        process.stdout.write(JSON.stringify(await load(name), null, 2) + '\n');
        return EXIT.ok;
      }),
    );
}
