#!/usr/bin/env node
// su stand-in: `su [-|-l|--login] [-c COMMAND] [-s SHELL] [USER]` (options before or after USER)
// runs COMMAND with /bin/sh as USER (default root). Root needs no password; anyone else is
// refused (the lab's root has no password).
// Models: su as podsec-create-imagemakeruser uses it (`su - -c CMD USER`, alt-cloud/podsec 5014172); a login resets the locale.
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { userEntry } from './lib/users.mjs';
import { runAs } from './lib/run-as.mjs';

standin(async (args, record) => {
  let login = false;
  let command;
  let user;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-' || a === '-l' || a === '--login') login = true;
    else if (a === '-c' || a === '--command') command = args[++i];
    else if (a.startsWith('--command=')) command = a.slice(10);
    else if (a === '-s' || a === '--shell') i++;
    else if (a === '-m' || a === '-p' || a === '--preserve-environment') continue;
    else if (a.startsWith('-')) fail(`su: invalid option -- '${a.replace(/^-+/, '')}'`);
    else if (user === undefined) user = a;
  }
  user ??= 'root';
  if (!userEntry(user)) fail(`su: user ${user} does not exist or the user entry does not contain all the required fields`);
  if (currentUser() !== 'root') fail('su: Authentication failure');
  record.runAs = user;
  return runAs(user, command === undefined ? ['/bin/sh', '-i'] : ['/bin/sh', '-c', command], { login });
});
