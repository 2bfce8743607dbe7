#!/usr/bin/env node
// swapon stand-in: the node's swap from its /var/lib/lab/host.json (`swap: []` by default; e.g.
// `swap: [{"name": "/swapfile", "size": "2G"}]` turns it on for a test), never the controller's.
// `--show[=COLUMNS] [--bytes] [--noheadings] [--raw]` and `-s`/`--summary`.
// Models: util-linux swapon.
import { standin, fail, out } from './lib/main.mjs';
import { hostConfig, parseSize } from './lib/host-config.mjs';

standin(async (args) => {
  const swaps = (hostConfig().swap ?? []).map((s) => (typeof s === 'string' ? { name: s.split(/\s+/)[0], size: s.split(/\s+/)[1] ?? '1G' } : s));
  const bytes = args.includes('--bytes') || args.includes('-b');
  if (args.includes('-s') || args.includes('--summary')) {
    out('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
    for (const s of swaps) out(`${s.name}\t\t\t\tfile\t\t${Math.floor(parseSize(s.size) / 1024)}\t\t0\t\t-2\n`);
    return 0;
  }
  const show = args.find((a) => a === '--show' || a.startsWith('--show='));
  if (!show) fail('lab: swapon simulates --show and --summary only (no swap can be turned on here)', 1);
  const cols = show.includes('=') ? show.slice(7).split(',').map((c) => c.toUpperCase()) : ['NAME', 'TYPE', 'SIZE', 'USED', 'PRIO'];
  const value = (s, c) => ({ NAME: s.name, TYPE: 'file', SIZE: bytes ? String(parseSize(s.size)) : s.size, USED: bytes ? '0' : '0B', PRIO: '-2' })[c] ?? '';
  const lines = [];
  if (!(args.includes('--noheadings') || args.includes('-n')) && swaps.length > 0) lines.push(cols.join(' '));
  for (const s of swaps) lines.push(cols.map((c) => value(s, c)).join(' '));
  out(lines.length ? lines.join('\n') + '\n' : '');
  return 0;
});
