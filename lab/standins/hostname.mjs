#!/usr/bin/env node
// hostname stand-in: the node's own name (its /etc/hostname), `-I`/`-i` its internal address.
// Models: net-tools/hostname as the playbooks' preflight calls it.
import { standin, out } from './lib/main.mjs';
import { nodeInfo, NODE } from './lib/env.mjs';
import { readText } from './lib/files.mjs';

standin(async (args) => {
  const name = (readText('/etc/hostname') ?? NODE).trim();
  if (args.includes('-I') || args.includes('-i') || args.includes('--all-ip-addresses')) out(`${nodeInfo()?.internalAddress ?? '127.0.0.1'}\n`);
  else if (args.includes('-s') || args.includes('--short')) out(`${name.split('.')[0]}\n`);
  else out(`${name}\n`);
  return 0;
});
