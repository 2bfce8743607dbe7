#!/usr/bin/env node
// apt-get stand-in (ALT uses apt-rpm): update is a no-op that succeeds; install records the
// packages in the node's /var/lib/lab/packages so rpm -q sees them.
// Models: ALT's apt-get (apt-rpm); podsec's wrapper calls it itself (podsec-u7s-functions, alt-cloud/podsec 5014172).
import { standin, fail, out } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { readText, appendText } from './lib/files.mjs';

standin(async (args, record) => {
  const words = args.filter((a) => !a.startsWith('-'));
  const [verb, ...pkgs] = words;
  if (currentUser() !== 'root') fail('E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)', 100);
  record.event = `apt-${verb ?? 'none'}`;
  if (verb === 'update') {
    out('Get:1 http://ftp.altlinux.org p10/branch release [4223B]\nFetched 4223B in 0s\nReading Package Lists... Done\nBuilding Dependency Tree... Done\n');
    return 0;
  }
  if (verb === 'install') {
    const have = (readText('/var/lib/lab/packages') ?? '').split('\n');
    for (const p of pkgs) if (!have.some((h) => h.startsWith(`${p}-`))) appendText('/var/lib/lab/packages', `${p}-0-alt1\n`);
    record.packages = pkgs;
    out('Reading Package Lists... Done\nBuilding Dependency Tree... Done\n');
    return 0;
  }
  if (['upgrade', 'dist-upgrade', 'clean', 'remove'].includes(verb)) return 0;
  fail(`E: Invalid operation ${verb}`, 100);
});
