#!/usr/bin/env node
// machinectl stand-in: `machinectl shell [-q] [--uid=USER] [USER@][.host] [COMMAND [ARGS…]]` runs
// COMMAND (default the user's shell) as USER in a login session on this host, the way the podsec
// wrapper reaches u7s-admin (podsec-k8s/bin/podsec-u7s-kubeadm, alt-cloud/podsec commit 5014172).
// The command's exit status is passed on (whether the real machinectl does so without a
// terminal is one of the things podsec's source leaves open).
import { standin, fail, err } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { userEntry } from './lib/users.mjs';
import { runAs } from './lib/run-as.mjs';
import { MACHINECTL_BANNER } from './lib/namespace.mjs';

standin(async (args, record) => {
  const [verb, ...rest] = args;
  if (verb !== 'shell') fail(`lab: machinectl ${verb ?? ''} is not simulated (only shell)`);
  let quiet = false;
  let uid;
  let i = 0;
  for (; i < rest.length && rest[i].startsWith('-'); i++) {
    if (rest[i] === '-q' || rest[i] === '--quiet') quiet = true;
    else if (rest[i].startsWith('--uid=')) uid = rest[i].slice(6);
    else fail(`machinectl: unrecognized option '${rest[i]}'`);
  }
  let target = rest[i] ?? '';
  if (target) i++;
  const user = uid ?? ((target.includes('@') ? target.split('@')[0] : '') || 'root');
  target = target.includes('@') ? target.split('@')[1] : target;
  if (target && target !== '.host') fail(`Failed to get shell PTY: No machine '${target}' known`);
  if (!userEntry(user)) fail(`Failed to get shell PTY: Unknown user ${user}`);
  if (currentUser() !== 'root') fail('Failed to get shell PTY: Access denied');
  const command = rest.slice(i);
  record.runAs = user;
  if (!quiet) err(MACHINECTL_BANNER);
  return runAs(user, command.length ? command : ['/bin/sh', '-i'], { login: true });
});
