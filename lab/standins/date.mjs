#!/usr/bin/env node
// date stand-in: the real date(1) told the node's time — real time plus the clock skew its
// /var/lib/lab/host.json gives (0 by default; `clockSkew: "3h"` makes a node's clock wrong on
// purpose). `-d`/`--date` given: passed through. Setting the clock (-s) is refused.
import { execFileSync } from 'node:child_process';
import { standin, fail, out } from './lib/main.mjs';
import { nodeNow } from './lib/host-config.mjs';

standin(async (args) => {
  if (args.some((a) => a === '-s' || a.startsWith('--set'))) fail('date: cannot set date: Operation not permitted (lab: the clock is read-only)', 1);
  const given = args.some((a) => a === '-d' || a.startsWith('--date') || a === '-r' || a.startsWith('--reference') || a === '-f' || a.startsWith('--file'));
  const ms = nodeNow();
  const argv = given ? args : ['-d', `@${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`, ...args];
  try {
    out(execFileSync('/bin/date', argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    return 0;
  } catch (e) {
    fail(String(e.stderr ?? e.message).trim(), e.status ?? 1);
  }
});
