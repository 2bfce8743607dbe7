#!/usr/bin/env node
// chown stand-in: the lab does not run as root, so ownership is not applied; it checks what the
// real chown would (the user and group exist on the node, the files exist) and logs it.
// Models: coreutils chown, as podsec's scripts call it (alt-cloud/podsec 5014172).
import { existsSync } from 'node:fs';
import { standin, fail } from './lib/main.mjs';
import { nodePath } from './lib/env.mjs';
import { userEntry, groupEntry } from './lib/users.mjs';

standin(async (args, record) => {
  const words = args.filter((a) => !a.startsWith('-'));
  const [spec, ...files] = words;
  if (!spec || files.length === 0) fail("chown: missing operand\nTry 'chown --help' for more information.");
  const [user, group] = spec.split(/[:.]/);
  if (user && !/^\d+$/.test(user) && !userEntry(user)) fail(`chown: invalid user: '${spec}'`);
  if (group && !/^\d+$/.test(group) && !groupEntry(group)) fail(`chown: invalid group: '${spec}'`);
  for (const f of files) if (!existsSync(nodePath(f))) fail(`chown: cannot access '${f}': No such file or directory`);
  record.owner = spec;
  return 0;
});
