#!/usr/bin/env node
// ip stand-in: `ip [-4] [-o] addr|a [show]` lists lo, the node's eth0 address and, on the node
// whose running keepalived holds it, the VIP.
// Models: iproute2's `ip addr`, as keepalived checks and podsec's isSigstoreServer read it.
import { standin, fail, out } from './lib/main.mjs';
import { nodeInfo, NODE } from './lib/env.mjs';
import { keepalivedInstances, vipHolder } from './lib/net.mjs';

standin(async (args) => {
  const words = args.filter((a) => !a.startsWith('-'));
  if (!['addr', 'a', 'address'].includes(words[0] ?? '')) fail('lab: ip simulates `ip addr [show]` only');
  const oneLine = args.includes('-o');
  const vips = [...new Set(keepalivedInstances(NODE).flatMap((i) => i.vips))].filter((v) => vipHolder(v) === NODE);
  const me = nodeInfo()?.internalAddress ?? '127.0.0.1';
  const vipCidrs = vips.map((v) => `${v}/32`);
  const ifaces = [
    { n: 1, name: 'lo', addrs: ['127.0.0.1/8'] },
    { n: 2, name: 'eth0', addrs: [`${me}/24`, ...vipCidrs] },
  ];
  for (const i of ifaces) {
    if (oneLine) for (const a of i.addrs) out(`${i.n}: ${i.name}    inet ${a} scope global ${i.name}\\       valid_lft forever preferred_lft forever\n`);
    else out(`${i.n}: ${i.name}: <UP,LOWER_UP> mtu 1500 state UP\n${i.addrs.map((a) => `    inet ${a} scope global ${i.name}\n`).join('')}`);
  }
  return 0;
});
