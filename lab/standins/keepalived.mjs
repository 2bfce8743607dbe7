#!/usr/bin/env node
// keepalived stand-in: `keepalived -t -f FILE` (also --config-test, --use-file=FILE) does a
// light check (lib/keepalived-config.mjs); running it is systemctl's business.
// Models: keepalived 2.2's configuration check (-t).
import { standin, fail, out } from './lib/main.mjs';
import { readText } from './lib/files.mjs';
import { missingInterfaces, parseKeepalived } from './lib/keepalived-config.mjs';
import { hostConfig } from './lib/host-config.mjs';

standin(async (args, record) => {
  if (args.includes('-v') || args.includes('--version')) {
    out('Keepalived v2.2.8 (04/04,2023)\n');
    return 0;
  }
  const test = args.includes('-t') || args.includes('--config-test');
  let file = '/etc/keepalived/keepalived.conf';
  args.forEach((a, i) => {
    if (a === '-f' || a === '--use-file') file = args[i + 1];
    else if (a.startsWith('--use-file=')) file = a.slice('--use-file='.length);
  });
  if (!test) fail('lab: keepalived runs through systemctl here; use `keepalived -t -f FILE` to check a config');
  record.event = 'keepalived-check';
  const text = readText(file);
  if (text === undefined) fail(`Configuration file '${file}' is not a regular non-executable file`);
  const parsed = parseKeepalived(text);
  const errors = [...parsed.errors, ...missingInterfaces(parsed.instances, ['lo', hostConfig().interface])];
  if (errors.length) fail(errors.map((e) => `(${file}) ${e}`).join('\n'));
  out('');
  return 0;
});
