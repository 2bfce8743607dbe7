#!/usr/bin/env node
// haproxy stand-in: `haproxy -c -f FILE` does a light check (lib/haproxy-config.mjs); `-v`
// prints a version. Running haproxy is systemctl's business (`systemctl restart haproxy`).
// Models: haproxy 2.8's configuration check (-c).
import { standin, fail, out } from './lib/main.mjs';
import { readText } from './lib/files.mjs';
import { parseHaproxy } from './lib/haproxy-config.mjs';

standin(async (args, record) => {
  if (args.includes('-v') || args.includes('-vv') || args.includes('-V')) {
    out('HAProxy version 2.8.5-alt1 2023/12/07 - https://haproxy.org/\n');
    return 0;
  }
  const files = args.flatMap((a, i) => (a === '-f' ? [args[i + 1]] : []));
  if (!args.includes('-c') || files.length === 0) fail('lab: haproxy runs through systemctl here; use `haproxy -c -f FILE` to check a config');
  record.event = 'haproxy-check';
  const errors = [];
  for (const f of files) {
    const text = readText(f);
    if (text === undefined) errors.push(`[ALERT]    (1) : Cannot open configuration file/directory ${f} : No such file or directory`);
    else errors.push(...parseHaproxy(text, f).errors.map((e) => `[ALERT]    (1) : config : ${e}`));
  }
  if (errors.length) {
    fail(`${errors.join('\n')}\n[ALERT]    (1) : config : Fatal errors found in configuration.`);
  }
  out('Configuration file is valid\n');
  return 0;
});
