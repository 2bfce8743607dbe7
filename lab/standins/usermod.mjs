#!/usr/bin/env node
// usermod stand-in: `usermod -a -G g1,g2 USER` (also -aG) adds USER to groups of the node.
// Models: shadow-utils usermod -aG.
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { addToGroup, groupEntry, userEntry } from './lib/users.mjs';

standin(async (args, record) => {
  let groups = [];
  let name;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-G' || a === '--groups' || a === '-aG') groups = args[++i].split(',').filter(Boolean);
    else if (a === '-a' || a === '--append') continue;
    else if (a.startsWith('-')) fail(`usermod: option ${a} is not simulated by the lab`, 2);
    else name = a;
  }
  if (!name) fail('Usage: usermod [options] LOGIN', 2);
  if (currentUser() !== 'root') fail('usermod: Permission denied.');
  if (!userEntry(name)) fail(`usermod: user '${name}' does not exist`, 6);
  for (const g of groups) if (!groupEntry(g)) fail(`usermod: group '${g}' does not exist`, 6);
  for (const g of groups) addToGroup(name, g);
  record.event = 'user-modified';
  record.groups = groups;
  return 0;
});
