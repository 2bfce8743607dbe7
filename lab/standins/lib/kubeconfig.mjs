// Kubeconfig files the simulated kubeadm writes (admin.conf, kubelet.conf, ~/.kube/config) and
// the stand-ins read: real ones, with the cluster CA and a client certificate and key embedded
// (base64 PEM, as kubeadm writes them), or a client certificate named by path (kubelet.conf).
import { parseBlockYaml } from './block-yaml.mjs';
import { readText, writeText } from './files.mjs';

const b64 = (text) => Buffer.from(text).toString('base64');

/** `server` is host:port; `ca` the CA PEM; `cert`/`key` PEM (embedded) or `certFile` (a path). */
export function kubeconfigText({ server, ca, cert, key, certFile, user }) {
  const credentials = certFile
    ? `    client-certificate: ${certFile}\n    client-key: ${certFile}\n`
    : `    client-certificate-data: ${b64(cert)}\n    client-key-data: ${b64(key)}\n`;
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${b64(ca)}
    server: https://${server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: ${user}
  name: ${user}@kubernetes
current-context: ${user}@kubernetes
preferences: {}
users:
- name: ${user}
  user:
${credentials}`;
}

export function writeKubeconfig(path, fields, node) {
  writeText(path, kubeconfigText(fields), { mode: 0o600, node });
}

const decode = (v) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined);

/**
 * The current context's {server (host:port), ca, cert, key, token} of a kubeconfig file (PEM
 * strings; files it names are read from the same node), or undefined when missing/unreadable.
 */
export function readKubeconfig(path, node) {
  const text = readText(path, node);
  if (text === undefined) return undefined;
  const doc = parseBlockYaml(text);
  if (!doc || typeof doc !== 'object') return undefined;
  const contexts = Array.isArray(doc?.contexts) ? doc.contexts : [];
  const ctx = contexts.find((c) => c?.name === doc['current-context'])?.context ?? contexts[0]?.context ?? {};
  const cluster = (doc.clusters ?? []).find((c) => c?.name === ctx.cluster)?.cluster ?? doc.clusters?.[0]?.cluster;
  const user = (doc.users ?? []).find((u) => u?.name === ctx.user)?.user ?? doc.users?.[0]?.user ?? {};
  const server = typeof cluster?.server === 'string' ? cluster.server.replace(/^https?:\/\//, '').replace(/\/+$/, '') : undefined;
  if (!server) return undefined;
  const file = (p) => (typeof p === 'string' ? readText(p, node) : undefined);
  return {
    server,
    ca: decode(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: decode(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: decode(user['client-key-data']) ?? file(user['client-key']),
    token: typeof user.token === 'string' ? user.token : undefined,
  };
}
