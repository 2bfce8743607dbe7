#!/usr/bin/env node
// useradd (and adduser) stand-in: adds a user to the node's /etc/passwd (-g GROUP, -G g1,g2,
// -d HOME, -s SHELL, -r, -m); exit 9 when it exists, like shadow-utils.
// Models: shadow-utils useradd/adduser, as podsec-create-imagemakeruser calls it (alt-cloud/podsec 5014172).
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { addUser, groupEntry, userEntry } from './lib/users.mjs';
import { makeDir } from './lib/files.mjs';

standin(async (args, record) => {
  const opts = {};
  let name;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-g' || a === '--gid') opts.group = args[++i];
    else if (a === '-G' || a === '--groups') opts.groups = args[++i].split(',').filter(Boolean);
    else if (a === '-d' || a === '--home-dir') opts.home = args[++i];
    else if (a === '-s' || a === '--shell') opts.shell = args[++i];
    else if (a === '-c' || a === '--comment' || a === '-u' || a === '--uid') i++;
    else if (a === '-r' || a === '--system') opts.system = true;
    else if (a === '-m' || a === '--create-home' || a === '-M' || a === '-N') continue;
    else if (a.startsWith('-')) fail(`useradd: invalid option -- '${a.replace(/^-+/, '')}'`, 2);
    else name = a;
  }
  if (!name) fail('Usage: useradd [options] LOGIN', 2);
  if (currentUser() !== 'root') fail('useradd: Permission denied.');
  if (userEntry(name)) fail(`useradd: user '${name}' already exists`, 9);
  for (const g of [opts.group, ...(opts.groups ?? [])].filter(Boolean)) if (!groupEntry(g)) fail(`useradd: group '${g}' does not exist`, 6);
  addUser(name, opts);
  makeDir(opts.home ?? `/home/${name}`);
  record.event = 'user-added';
  record.name = name;
  return 0;
});
