#!/usr/bin/env node
// findmnt stand-in: the cgroup file system of the node (`findmnt -n -o FSTYPE /sys/fs/cgroup`),
// cgroup2 unless its /var/lib/lab/host.json says otherwise (`cgroup: "tmpfs"` is a cgroup v1 host).
import { standin, fail, out } from './lib/main.mjs';
import { hostConfig } from './lib/host-config.mjs';

standin(async (args) => {
  const target = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-o' && args[i - 1] !== '--output');
  if (target !== '/sys/fs/cgroup' && target !== '/sys/fs/cgroup/') fail(`lab: findmnt simulates /sys/fs/cgroup only, not "${target ?? ''}"`, 1);
  const fs = hostConfig().cgroup;
  const o = args[args.indexOf('-o') + 1] ?? args.find((a) => a.startsWith('--output='))?.slice(9);
  const noHead = args.includes('-n') || args.includes('--noheadings');
  if (args.includes('-o') || args.some((a) => a.startsWith('--output'))) {
    if (String(o).toUpperCase() !== 'FSTYPE') fail(`lab: findmnt simulates -o FSTYPE only, not "${o}"`, 1);
    out(`${noHead ? '' : 'FSTYPE\n'}${fs}\n`);
    return 0;
  }
  out(`${noHead ? '' : 'TARGET         SOURCE  FSTYPE  OPTIONS\n'}/sys/fs/cgroup ${fs === 'cgroup2' ? 'cgroup2' : 'tmpfs  '} ${fs} rw,nosuid,nodev,noexec,relatime\n`);
  return 0;
});
