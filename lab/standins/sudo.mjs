#!/usr/bin/env node
// sudo stand-in: `sudo [-n] [-S] [-E] [-H] [-i|-s] [-u USER] [--] COMMAND...` runs COMMAND as USER
// (default root) through lib/run-as.mjs. Root needs no password; another user is asked
// "[sudo] password for USER: " (from stdin with -S) and checked against the node's /etc/shadow.
// Models: sudo 1.9.
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { groupsOf, userEntry } from './lib/users.mjs';
import { checkShadow } from './lib/passwd.mjs';
import { ask } from './lib/prompt.mjs';
import { runAs } from './lib/run-as.mjs';

const shellQuote = (s) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

standin(async (args, record) => {
  let target = 'root';
  let nonInteractive = false;
  let login = false;
  let shell = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '-u' || a === '--user') target = args[++i];
    else if (a.startsWith('--user=')) target = a.slice(7);
    else if (a.startsWith('-u') && a.length > 2) target = a.slice(2);
    else if (a === '-g' || a === '-p' || a === '-C' || a === '-D') i++;
    else if (a === '-i' || a === '--login') login = true;
    else if (a === '-s' || a === '--shell') shell = true;
    else if (/^-[nSEHkK]+$/.test(a) || ['--non-interactive', '--stdin', '--preserve-env', '--set-home'].includes(a) || a.startsWith('--preserve-env=')) {
      if (a.includes('n') && !a.startsWith('--')) nonInteractive = true;
      if (a === '--non-interactive') nonInteractive = true;
    } else fail(`sudo: unknown option -- ${a.replace(/^-+/, '')}`);
  }
  const command = args.slice(i);
  if (!userEntry(target)) fail(`sudo: unknown user ${target}\nsudo: error initializing audit plugin sudoers_audit`);
  record.runAs = target;
  const me = currentUser();
  if (me !== 'root') {
    if (!groupsOf(me).includes('wheel')) fail(`${me} is not in the sudoers file.  This incident will be reported.`);
    if (nonInteractive) fail('sudo: a password is required');
    const pass = await ask(`[sudo] password for ${me}: `);
    process.stdin.pause();
    if (pass === null || !checkShadow(me, pass)) fail('sudo: 1 incorrect password attempt');
  }
  let argv;
  if (command.length === 0) {
    if (!login && !shell) fail('usage: sudo -h | -K | -k | -V\nusage: sudo [-AbEHknPS] [-u user] [--] command');
    argv = ['/bin/sh', '-i'];
  } else if (login || shell) argv = ['/bin/sh', '-c', command.map(shellQuote).join(' ')];
  else argv = command;
  return runAs(target, argv, { login });
});
