// actions.log: one JSON line per stand-in run on DIR/nodes/NAME/actions.log (a single append,
// atomic for lines this small), so tests and users can read what happened, in order.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR, NODE, currentUser, nodeView } from './env.mjs';
import { labNow } from './clock.mjs';

export function logAction(fields, node = NODE) {
  const line = { time: new Date().toISOString(), labTime: new Date(labNow()).toISOString(), user: currentUser(), ...fields };
  // paths read as the node sees them (/etc/hosts), not where the lab keeps them
  appendFileSync(join(LAB_DIR, 'nodes', node, 'actions.log'), nodeView(JSON.stringify(line)) + '\n');
}
