#!/usr/bin/env node
// ip stand-in (iproute2 6.1's output, text, one-line and JSON): the node's lo and NIC (name and
// prefix from its /var/lib/lab/host.json, ens3/24 by default) with its internal address and the
// VIPs its running keepalived holds; its routes (the connected subnet, a default via .254).
// Reading only: `ip [-4] [-o] [-j] addr|link|route [show] …`, `ip route get ADDR`.
// Models: iproute2 6.1's `ip`, as keepalived checks and podsec's isSigstoreServer read it.
import { standin, fail, out } from './lib/main.mjs';
import { interfacesOf, routesOf } from './lib/host.mjs';

const FOREVER = 4294967295;

function toInt(a) {
  return a.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}
function toIp(n) {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function broadcast(address, prefix) {
  const size = 2 ** (32 - prefix);
  return toIp(Math.floor(toInt(address) / size) * size + size - 1);
}
function inSubnet(address, cidr) {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
}

function flagsOf(i) {
  return i.loopback ? ['LOOPBACK', 'UP', 'LOWER_UP'] : ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
}

function linkJson(i) {
  return {
    ifindex: i.index,
    ifname: i.name,
    flags: flagsOf(i),
    mtu: i.loopback ? 65536 : 1500,
    qdisc: i.loopback ? 'noqueue' : 'fq_codel',
    operstate: i.loopback ? 'UNKNOWN' : 'UP',
    group: 'default',
    txqlen: 1000,
    link_type: i.loopback ? 'loopback' : 'ether',
    address: i.mac,
    broadcast: i.loopback ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
  };
}

function addrJson(i, a) {
  return {
    family: 'inet',
    local: a.address,
    prefixlen: a.prefix,
    ...(i.loopback || a.prefix >= 31 ? {} : { broadcast: broadcast(a.address, a.prefix) }),
    scope: a.scope,
    ...(a.secondary ? { secondary: true } : {}),
    label: i.name,
    valid_life_time: FOREVER,
    preferred_life_time: FOREVER,
  };
}

function addrText(i, a) {
  const brd = i.loopback || a.prefix >= 31 ? '' : ` brd ${broadcast(a.address, a.prefix)}`;
  return `inet ${a.address}/${a.prefix}${brd} scope ${a.scope}${a.secondary ? ' secondary' : ''} ${i.name}`;
}

function linkHead(i) {
  return `${i.index}: ${i.name}: <${flagsOf(i).join(',')}> mtu ${i.loopback ? 65536 : 1500} qdisc ${i.loopback ? 'noqueue' : 'fq_codel'} state ${i.loopback ? 'UNKNOWN' : 'UP'} group default qlen 1000`;
}

function linkLine(i) {
  return `    link/${i.loopback ? 'loopback' : 'ether'} ${i.mac} brd ${i.loopback ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}`;
}

function routeText(r) {
  const parts = [r.dst];
  if (r.gateway) parts.push('via', r.gateway);
  parts.push('dev', r.dev);
  if (r.protocol) parts.push('proto', r.protocol);
  if (r.scope) parts.push('scope', r.scope);
  if (r.prefsrc) parts.push('src', r.prefsrc);
  return parts.join(' ') + ' ';
}

function routeJson(r) {
  return { dst: r.dst, ...(r.gateway ? { gateway: r.gateway } : {}), dev: r.dev, ...(r.protocol ? { protocol: r.protocol } : {}), ...(r.scope ? { scope: r.scope } : {}), ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}), flags: [] };
}

/** The route the node takes to `target`: longest prefix, the default last. */
function lookupRoute(routes, target) {
  let best;
  for (const r of routes) {
    const len = r.dst === 'default' ? 0 : Number(r.dst.split('/')[1]);
    if (r.dst !== 'default' && !inSubnet(target, r.dst)) continue;
    if (!best || len > best.len) best = { r, len };
  }
  return best?.r;
}

standin(async (args) => {
  const opts = new Set(args.filter((a) => a.startsWith('-')));
  const json = opts.has('-j') || opts.has('-json') || opts.has('--json');
  const oneLine = opts.has('-o') || opts.has('-oneline');
  const v6only = opts.has('-6');
  const words = args.filter((a) => !a.startsWith('-'));
  const [object, verb = 'show', ...rest] = words;
  const ifaces = interfacesOf();

  if (['addr', 'a', 'address', 'link', 'l'].includes(object ?? '')) {
    if (!['show', 'list', 'ls', 'lst', 's', 'sh'].includes(verb)) fail(`lab: ip ${object} ${verb} would change the node; the lab simulates reading only`, 2);
    const devWord = rest[0] === 'dev' ? rest[1] : rest[0];
    const shown = devWord ? ifaces.filter((i) => i.name === devWord) : ifaces;
    if (devWord && shown.length === 0) fail(`Device "${devWord}" does not exist.`, 1);
    const withAddrs = object.startsWith('a') && !v6only;
    if (json) {
      out(JSON.stringify(shown.map((i) => ({ ...linkJson(i), ...(object.startsWith('a') ? { addr_info: withAddrs ? i.addrs.map((a) => addrJson(i, a)) : [] } : {}) }))) + '\n');
      return 0;
    }
    for (const i of shown) {
      if (object.startsWith('l')) {
        out(oneLine ? `${linkHead(i)}\\${linkLine(i)}\n` : `${linkHead(i)}\n${linkLine(i)}\n`);
        continue;
      }
      if (oneLine) {
        for (const a of withAddrs ? i.addrs : []) out(`${i.index}: ${i.name}    ${addrText(i, a)}\\       valid_lft forever preferred_lft forever\n`);
      } else {
        out(`${linkHead(i)}\n${linkLine(i)}\n`);
        for (const a of withAddrs ? i.addrs : []) out(`    ${addrText(i, a)}\n       valid_lft forever preferred_lft forever\n`);
      }
    }
    return 0;
  }

  if (['route', 'r', 'ro', 'rou'].includes(object ?? '')) {
    const routes = v6only ? [] : routesOf();
    if (verb === 'get') {
      const target = rest.find((w) => /^\d+\.\d+\.\d+\.\d+$/.test(w));
      if (!target) fail('Error: any valid prefix is expected rather than "' + (rest[0] ?? '') + '".', 1);
      const r = lookupRoute(routes, target);
      if (!r) fail('RTNETLINK answers: Network is unreachable', 2);
      const src = ifaces.find((i) => i.name === r.dev)?.addrs[0]?.address;
      if (json) out(JSON.stringify([{ dst: target, ...(r.gateway ? { gateway: r.gateway } : {}), dev: r.dev, prefsrc: src, flags: [], uid: 0, cache: [] }]) + '\n');
      else out(`${target} ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev} src ${src} uid 0 \n    cache \n`);
      return 0;
    }
    if (!['show', 'list', 'ls', 'lst', 's', 'sh'].includes(verb)) fail(`lab: ip route ${verb} would change the node; the lab simulates reading only`, 2);
    const only = rest.includes('default') ? routes.filter((r) => r.dst === 'default') : routes;
    if (json) out(JSON.stringify(only.map(routeJson)) + '\n');
    else for (const r of only) out(routeText(r) + '\n');
    return 0;
  }
  fail(`lab: ip simulates \`ip addr|link|route [show]\` and \`ip route get ADDR\` only, not "${object ?? ''}"`, 1);
});
