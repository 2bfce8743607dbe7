#!/usr/bin/env node
// groupadd stand-in: adds a group to the node's /etc/group (-r system, -f ok if it exists).
// Models: shadow-utils groupadd, as podsec-create-policy calls it (alt-cloud/podsec 5014172).
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { addGroup, groupEntry } from './lib/users.mjs';

standin(async (args, record) => {
  const force = args.includes('-f') || args.includes('--force');
  const system = args.includes('-r') || args.includes('--system');
  const name = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-g' && args[i - 1] !== '--gid').pop();
  if (!name) fail('Usage: groupadd [options] GROUP', 2);
  if (currentUser() !== 'root') fail('groupadd: Permission denied.');
  if (groupEntry(name)) {
    if (force) return 0;
    fail(`groupadd: group '${name}' already exists`, 9);
  }
  addGroup(name, { system });
  record.event = 'group-added';
  record.name = name;
  return 0;
});
