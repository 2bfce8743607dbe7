// `npm run schemas`: writes schemas/playbook.schema.json from the step kinds (steps/index.ts).
// Run it after adding or changing a step kind; test/schemas/ fails while the file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepKinds } from '../../steps/index.js';
import { packageRoot } from '../resources.js';
import { playbookSchemaText } from './playbook-schema.js';

const file = join(packageRoot(), 'schemas', 'playbook.schema.json');
writeFileSync(file, playbookSchemaText(stepKinds));
process.stdout.write(`wrote ${file}\n`);
