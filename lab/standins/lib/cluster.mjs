// The simulated Kubernetes cluster, shared by every node of the lab in DIR/cluster.json under a
// file lock: who initialised it, its CA (certificate and key, PEM: what etcd and kubeadm-certs
// hold in a real cluster, so the file is 0600) and CA hash, bootstrap tokens (24 h), the
// uploaded-certs key (2 h; each upload replaces the previous key), its nodes, and whether the
// CNI was applied. The stand-ins and the lab's API server (lab/standins/apiserver/) share it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LAB_DIR } from './env.mjs';
import { withLock, writeJsonAtomic } from './lock.mjs';
import { labNow, HOUR } from './clock.mjs';

const FILE = join(LAB_DIR, 'cluster.json');
const LOCK = join(LAB_DIR, 'cluster.lock');

export const TOKEN_TTL = 24 * HOUR;
export const CERT_KEY_TTL = 2 * HOUR;

export function emptyCluster() {
  return { id: null, ca: null, nodes: {}, tokens: [], certificateKey: null, cni: null, manifests: [], etcdJoin: null };
}

export function readCluster() {
  try {
    return { ...emptyCluster(), ...JSON.parse(readFileSync(FILE, 'utf8')) };
  } catch {
    return emptyCluster();
  }
}

/** Read, change and write the cluster under the lock; returns what `fn` returns. */
export function updateCluster(fn) {
  return withLock(LOCK, () => {
    const cluster = readCluster();
    const result = fn(cluster);
    writeJsonAtomic(FILE, cluster, 0o600);
    return result;
  });
}

const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(n) {
  const bytes = randomBytes(n);
  return [...bytes].map((b) => alnum[b % alnum.length]).join('');
}

export function hex(bytes = 32) {
  return randomBytes(bytes).toString('hex');
}

/** A bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function newToken() {
  return `${randomAlnum(6)}.${randomAlnum(16)}`;
}

export function addToken(cluster, ttlMs = TOKEN_TTL, description = '') {
  const token = newToken();
  const now = labNow();
  cluster.tokens.push({ token, createdAt: now, expires: ttlMs === 0 ? null : now + ttlMs, description });
  return token;
}

export function uploadCerts(cluster, key = hex(32)) {
  cluster.certificateKey = { key, expires: labNow() + CERT_KEY_TTL };
  return key;
}

export function validToken(cluster, token) {
  const t = cluster.tokens.find((x) => x.token === token);
  if (!t) return { ok: false, reason: 'unknown' };
  if (t.expires !== null && t.expires <= labNow()) return { ok: false, reason: 'expired' };
  return { ok: true };
}

export function validCertificateKey(cluster, key) {
  const c = cluster.certificateKey;
  if (!c || c.expires <= labNow()) return { ok: false, reason: 'expired' };
  if (c.key !== key) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}

/** Ready = joined, CNI applied, and readyDelayMs of lab time passed since the later of the two. */
export function nodeReady(cluster, name, readyDelayMs) {
  const n = cluster.nodes[name];
  if (!n || !cluster.cni) return false;
  return labNow() >= Math.max(n.joinedAt, cluster.cni.appliedAt) + readyDelayMs;
}

export function controlPlanes(cluster) {
  return Object.entries(cluster.nodes)
    .filter(([, n]) => n.controlPlane)
    .map(([name]) => name);
}
