// A simulated node's settings: /var/lib/lab/host.json, which the lab writes with realistic
// values at the first start and which tests (or people) edit to make one node differ on purpose
// (lab/README.md, "Making a node differ"). Missing fields take the defaults below.
import { readJson } from './files.mjs';
import { NODE } from './env.mjs';

export const HOST_FILE = '/var/lib/lab/host.json';

export const HOST_DEFAULTS = {
  interface: 'ens3',
  prefix: 24,
  defaultRoute: true,
  kernel: '6.1.130-un-def-alt1',
  arch: 'x86_64',
  swap: [],
  listening: [],
  clockSkew: '0s',
  ntp: true,
  cgroup: 'cgroup2',
  sysctl: { 'user.max_user_namespaces': '63482', 'kernel.unprivileged_userns_clone': '0', 'net.ipv4.ip_forward': '0' },
  varLibSize: '60G',
  varLibAvailable: '40G',
  // The public registries (registry.altlinux.org, registry.k8s.io, docker.io, …) answer from this
  // node: podsec's "with Internet access" mode pulls every Kubernetes image from one. false cuts
  // them off (curl cannot resolve them, the wrapper finds no image tags, pulls fail).
  publicRegistries: true,
};

/** Registry hosts of the Internet (what `publicRegistries: false` cuts off). */
export const PUBLIC_REGISTRIES = ['registry.altlinux.org', 'registry.k8s.io', 'registry-1.docker.io', 'docker.io', 'quay.io', 'ghcr.io'];

/** Can this node reach the public registries? */
export function reachesPublicRegistries(node = NODE) {
  return hostConfig(node).publicRegistries !== false;
}

export function hostConfig(node = NODE) {
  const file = readJson(HOST_FILE, node) ?? {};
  return { ...HOST_DEFAULTS, ...file, sysctl: { ...HOST_DEFAULTS.sysctl, ...(file.sysctl ?? {}) } };
}

/** `90s`, `-3h`, `+1h30m`, `2d` → ms (signed). */
export function parseSkew(text) {
  const m = String(text ?? '0').trim().match(/^([+-]?)((?:\d+[dhms])+|0)$/);
  if (!m) return 0;
  let ms = 0;
  for (const [, n, u] of m[2].matchAll(/(\d+)([dhms])/g)) ms += Number(n) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[u];
  return m[1] === '-' ? -ms : ms;
}

/** `40G`, `512M`, `2048` (bytes) → bytes. */
export function parseSize(text) {
  const m = String(text ?? '0').trim().match(/^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i);
  if (!m) return 0;
  return Math.round(Number(m[1]) * { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2].toUpperCase()]);
}

/** The node's clock: real time plus its skew (lab time moving on is not a skewed clock). */
export function nodeNow(node = NODE) {
  return Date.now() + parseSkew(hostConfig(node).clockSkew);
}
