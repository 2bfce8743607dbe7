// What a simulated node is made of, for the stand-ins that report it (ip, ss, uname, date,
// timedatectl, swapon, sysctl, findmnt, df): its NIC and routes, its listening sockets (sshd,
// the running units, and host.json's extras) and its clock (host-config.mjs has the settings).
import { hostConfig } from './host-config.mjs';
import { nodeInfo, NODE } from './env.mjs';
import { unitState } from './services.mjs';
import { readCluster } from './cluster.mjs';
import { parseHaproxy, boundPorts } from './haproxy-config.mjs';
import { keepalivedInstances, vipHolder } from './net.mjs';

function subnetBase(address, prefix) {
  const n = address.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(n / size) * size;
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
}

/** lo, and the node's NIC with its internal address and the VIPs its running keepalived holds. */
export function interfacesOf(node = NODE) {
  const h = hostConfig(node);
  const me = nodeInfo(node)?.internalAddress ?? '127.0.0.1';
  const vips = [];
  for (const inst of keepalivedInstances(node)) {
    if (inst.interface !== h.interface) continue;
    for (const [i, v] of inst.vips.entries()) if (vipHolder(v) === node) vips.push({ address: v, prefix: inst.vipPrefixes?.[i] ?? 32 });
  }
  return [
    { index: 1, name: 'lo', loopback: true, mac: '00:00:00:00:00:00', addrs: [{ address: '127.0.0.1', prefix: 8, scope: 'host' }] },
    {
      index: 2,
      name: h.interface,
      loopback: false,
      mac: macOf(node),
      addrs: [{ address: me, prefix: h.prefix, scope: 'global' }, ...vips.map((v) => ({ ...v, scope: 'global', secondary: true }))],
    },
  ];
}

function macOf(node) {
  let hash = 0;
  for (const c of node) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const b = [hash >>> 24, (hash >>> 16) & 255, (hash >>> 8) & 255, hash & 255].map((x) => x.toString(16).padStart(2, '0'));
  return `52:54:00:${b[1]}:${b[2]}:${b[3]}`;
}

/** The routing table: the connected subnet, and a default route via .254 of it unless turned off. */
export function routesOf(node = NODE) {
  const h = hostConfig(node);
  const me = nodeInfo(node)?.internalAddress ?? '127.0.0.1';
  const base = subnetBase(me, h.prefix);
  const routes = [];
  if (h.defaultRoute !== false) {
    const gw = typeof h.defaultRoute === 'string' ? h.defaultRoute : base.replace(/\.\d+$/, '.254');
    routes.push({ dst: 'default', gateway: gw, dev: h.interface, protocol: 'static' });
  }
  routes.push({ dst: `${base}/${h.prefix}`, dev: h.interface, protocol: 'kernel', scope: 'link', prefsrc: me });
  return routes;
}

const CONTROL_PLANE_PORTS = [2379, 2380, 6443, 10250, 10255, 10256];
const WORKER_PORTS = [10250, 10255, 10256];

/** Listening sockets: sshd, what the running units publish, and host.json's extra ones. */
export function listeningOf(node = NODE) {
  const out = [];
  const add = (proto, address, port, process) => out.push({ proto, address, port, process });
  if (unitState('sshd', node).active) {
    add('tcp', '0.0.0.0', 22, 'sshd');
    add('tcp', '[::]', 22, 'sshd');
  }
  if (unitState('u7s', node).active) {
    const me = readCluster().nodes[node];
    for (const p of me?.controlPlane ? CONTROL_PLANE_PORTS : WORKER_PORTS) add('tcp', '*', p, 'rootlesskit');
    add('udp', '0.0.0.0', 8472, 'rootlesskit');
  }
  const haproxy = unitState('haproxy', node);
  if (haproxy.active && typeof haproxy.config === 'string') {
    for (const p of new Set(boundPorts(parseHaproxy(haproxy.config, '/etc/haproxy/haproxy.cfg')))) add('tcp', '0.0.0.0', p, 'haproxy');
  }
  if (unitState('docker-registry', node).active) add('tcp', '*', 80, 'docker-registry');
  if (unitState('nginx', node).active) add('tcp', '0.0.0.0', 81, 'nginx');
  if (unitState('trivy', node).active) add('tcp', '*', 4954, 'trivy');
  for (const extra of hostConfig(node).listening ?? []) {
    const e = typeof extra === 'string' ? parseListen(extra) : extra;
    if (e && Number.isInteger(e.port)) add(e.proto ?? 'tcp', e.address ?? '0.0.0.0', e.port, e.process ?? 'lab-listener');
  }
  return out;
}

/** `tcp:6443`, `udp:8472:someprog`, `6443`. */
function parseListen(text) {
  const parts = String(text).split(':');
  if (parts.length === 1) return { proto: 'tcp', port: Number(parts[0]) };
  return { proto: parts[0], port: Number(parts[1]), ...(parts[2] ? { process: parts[2] } : {}) };
}
