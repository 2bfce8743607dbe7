#!/usr/bin/env node
// df stand-in: one file system for the whole node, sized by its /var/lib/lab/host.json
// (varLibSize 60G, varLibAvailable 40G by default: little space on purpose fails the preflight's
// disk check). `df [-P] [-k|-h] [PATH…]`.
import { standin, fail, out } from './lib/main.mjs';
import { hostConfig, parseSize } from './lib/host-config.mjs';

function human(bytes) {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

standin(async (args) => {
  for (const a of args) if (a.startsWith('-') && !['-P', '-k', '-h', '--portability', '--human-readable', '-Pk', '-kP'].includes(a)) fail(`lab: df simulates -P, -k and -h only, not "${a}"`, 1);
  const h = hostConfig();
  const size = parseSize(h.varLibSize);
  const avail = Math.min(parseSize(h.varLibAvailable), size);
  const used = size - avail;
  const hr = args.includes('-h') || args.includes('--human-readable');
  const cap = `${Math.ceil((used / Math.max(size, 1)) * 100)}%`;
  const col = (b) => (hr ? human(b) : String(Math.floor(b / 1024)));
  out(`Filesystem     ${hr ? 'Size' : '1024-blocks'}     Used Available Capacity Mounted on\n/dev/vda2 ${col(size)} ${col(used)} ${col(avail)} ${cap} /\n`);
  return 0;
});
