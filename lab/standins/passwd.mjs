#!/usr/bin/env node
// passwd stand-in: `passwd [USER]` asks "Enter new password:" / "Re-type new password:" on the
// terminal (fails without a pty, like the real one) and stores a salted hash in /etc/shadow.
// Models: ALT's passwd with pam_passwdqc (its wording and ru.po; lib/passwd.mjs).
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { userEntry } from './lib/users.mjs';
import { changePassword } from './lib/passwd.mjs';

standin(async (args, record) => {
  const user = args.find((a) => !a.startsWith('-')) ?? currentUser();
  if (!userEntry(user)) fail(`passwd: Unknown user name '${user}'.`);
  if (user !== currentUser() && currentUser() !== 'root') fail('passwd: Only root can specify a user name.');
  await changePassword(user);
  record.event = 'password-set';
  record.target = user;
  return 0;
});
