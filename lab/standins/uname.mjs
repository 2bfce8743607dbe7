#!/usr/bin/env node
// uname stand-in: the node's own name (its /etc/hostname), and the kernel release and machine
// its /var/lib/lab/host.json gives (6.1.130-un-def-alt1, x86_64 by default; an older kernel on
// purpose there fails the preflight's kernel check).
import { standin, fail, out } from './lib/main.mjs';
import { NODE } from './lib/env.mjs';
import { readText } from './lib/files.mjs';
import { hostConfig } from './lib/host-config.mjs';

const ORDER = ['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o'];
const LONG = { '--kernel-name': 's', '--nodename': 'n', '--kernel-release': 'r', '--kernel-version': 'v', '--machine': 'm', '--processor': 'p', '--hardware-platform': 'i', '--operating-system': 'o', '--all': 'a' };

standin(async (args) => {
  const want = new Set();
  for (const a of args) {
    if (LONG[a]) want.add(LONG[a]);
    else if (/^-[snrvmpioa]+$/.test(a)) for (const c of a.slice(1)) want.add(c);
    else fail(`uname: invalid option -- '${a.replace(/^-+/, '')}'\nTry 'uname --help' for more information.`, 1);
  }
  if (want.size === 0) want.add('s');
  if (want.has('a')) ORDER.forEach((c) => want.add(c));
  const h = hostConfig();
  const value = {
    s: 'Linux',
    n: (readText('/etc/hostname') ?? NODE).trim().split('\n')[0],
    r: h.kernel,
    v: '#1 SMP PREEMPT_DYNAMIC Thu Jan  2 10:00:00 UTC 2025',
    m: h.arch,
    p: h.arch,
    i: h.arch,
    o: 'GNU/Linux',
  };
  out(ORDER.filter((c) => want.has(c)).map((c) => value[c]).join(' ') + '\n');
  return 0;
});
