#!/usr/bin/env node
// id stand-in: the node's users and groups (/etc/passwd, /etc/group), the effective user being
// LAB_USER (see sudo/su). Supports -u -g -G -n and a user argument.
// Models: coreutils id; podsec-load-sign-oci greps its output for podman_dev (alt-cloud/podsec 5014172).
import { standin, fail, out } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { userEntry, groupEntry, groupsOf } from './lib/users.mjs';

standin(async (args) => {
  const flags = args.filter((a) => a.startsWith('-')).join('').replace(/-/g, '');
  const name = args.find((a) => !a.startsWith('-')) ?? currentUser();
  const u = userEntry(name);
  if (!u) fail(`id: '${name}': no such user`);
  const groups = groupsOf(u.name).map((g) => groupEntry(g));
  const primary = groupEntry(String(u.gid));
  const named = flags.includes('n');
  if (flags.includes('u')) out(`${named ? u.name : u.uid}\n`);
  else if (flags.includes('G')) out(groups.map((g) => (named ? g.name : g.gid)).join(' ') + '\n');
  else if (flags.includes('g')) out(`${named ? primary?.name : u.gid}\n`);
  else out(`uid=${u.uid}(${u.name}) gid=${u.gid}(${primary?.name ?? u.gid}) groups=${groups.map((g) => `${g.gid}(${g.name})`).join(',')}\n`);
  return 0;
});
