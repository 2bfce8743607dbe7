#!/usr/bin/env node
// sysctl stand-in: the node's kernel settings from its /var/lib/lab/host.json (`sysctl` map);
// `sysctl KEY…` (`-n`), `-a`, and as root `-w KEY=VALUE` (kept in host.json), `-p`/`--system`.
import { standin, fail, out, err } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { readJson, writeText } from './lib/files.mjs';
import { HOST_FILE, hostConfig } from './lib/host-config.mjs';

standin(async (args, record) => {
  const valuesOnly = args.includes('-n') || args.includes('--values');
  const write = args.includes('-w') || args.includes('--write');
  const keys = args.filter((a) => !a.startsWith('-'));
  const settings = hostConfig().sysctl;
  if (args.includes('-p') || args.includes('--system') || args.some((a) => a.startsWith('--load'))) {
    if (currentUser() !== 'root') fail('sysctl: permission denied on key', 255);
    record.event = 'sysctl-load';
    return 0;
  }
  if (args.includes('-a') || args.includes('--all')) {
    for (const [k, v] of Object.entries(settings)) out(valuesOnly ? `${v}\n` : `${k} = ${v}\n`);
    return 0;
  }
  let code = 0;
  if (write) {
    if (currentUser() !== 'root') fail(`sysctl: permission denied on key "${keys[0]?.split('=')[0] ?? ''}"`, 255);
    const file = readJson(HOST_FILE) ?? {};
    file.sysctl = { ...(file.sysctl ?? {}) };
    for (const kv of keys) {
      const [k, v] = kv.split('=');
      file.sysctl[k.trim()] = (v ?? '').trim();
      out(valuesOnly ? `${(v ?? '').trim()}\n` : `${k.trim()} = ${(v ?? '').trim()}\n`);
    }
    writeText(HOST_FILE, JSON.stringify(file, null, 2) + '\n');
    record.event = 'sysctl-set';
    return 0;
  }
  for (const k of keys) {
    if (settings[k] === undefined) {
      err(`sysctl: cannot stat /proc/sys/${k.replace(/\./g, '/')}: No such file or directory\n`);
      code = 255;
    } else out(valuesOnly ? `${settings[k]}\n` : `${k} = ${settings[k]}\n`);
  }
  return code;
});
