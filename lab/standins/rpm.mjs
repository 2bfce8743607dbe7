#!/usr/bin/env node
// rpm stand-in: `rpm -q NAME...` and `rpm -qa` against the node's /var/lib/lab/packages.
// Models: rpm -q on ALT.
import { standin, fail, out } from './lib/main.mjs';
import { readText } from './lib/files.mjs';

standin(async (args) => {
  const installed = (readText('/var/lib/lab/packages') ?? '').split('\n').filter(Boolean);
  if (args.includes('-qa')) {
    out(installed.join('\n') + '\n');
    return 0;
  }
  if (!args.includes('-q')) fail('rpm: the lab simulates -q and -qa only');
  let code = 0;
  for (const name of args.filter((a) => !a.startsWith('-'))) {
    const hit = installed.find((p) => p === name || p.replace(/-[^-]+-[^-]+$/, '') === name);
    if (hit) out(`${hit}\n`);
    else {
      out(`package ${name} is not installed\n`);
      code = 1;
    }
  }
  return code;
});
