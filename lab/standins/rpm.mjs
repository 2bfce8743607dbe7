#!/usr/bin/env node
// rpm stand-in: `rpm -q [--qf FORMAT] NAME...` and `rpm -qa` against the node's
// /var/lib/lab/packages (one NAME-VERSION-RELEASE a line; remove a line to make a package
// missing on purpose). FORMAT knows %{NAME}, %{VERSION}, %{RELEASE} and \n.
// Models: rpm -q on ALT.
import { standin, fail, out } from './lib/main.mjs';
import { readText } from './lib/files.mjs';

/** `podsec-k8s-1.1.20-alt1` → {name: podsec-k8s, version: 1.1.20, release: alt1}. */
function split(nvr) {
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(nvr);
  return m ? { name: m[1], version: m[2], release: m[3] } : { name: nvr, version: '', release: '' };
}

standin(async (args) => {
  const installed = (readText('/var/lib/lab/packages') ?? '').split('\n').filter(Boolean);
  let format;
  const names = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--qf' || a === '--queryformat') format = args[++i];
    else if (a.startsWith('--qf=') || a.startsWith('--queryformat=')) format = a.slice(a.indexOf('=') + 1);
    else if (!a.startsWith('-')) names.push(a);
  }
  const show = (nvr) => {
    if (format === undefined) return `${nvr}\n`;
    const p = split(nvr);
    return format.replace(/%\{NAME\}/g, p.name).replace(/%\{VERSION\}/g, p.version).replace(/%\{RELEASE\}/g, p.release).replace(/\\n/g, '\n');
  };
  if (args.includes('-qa')) {
    out(installed.map(show).join(''));
    return 0;
  }
  if (!args.includes('-q')) fail('rpm: the lab simulates -q and -qa only');
  let missing = 0;
  for (const name of names) {
    const hit = installed.find((p) => p === name || split(p).name === name);
    if (hit) out(show(hit));
    else {
      out(`package ${name} is not installed\n`);
      missing++;
    }
  }
  return missing;
});
