// What kubeadm init/join/reset and the podsec wrapper do to a node's disk: the wrapper's clean-up
// of the previous configuration (files only: rm -f /etc/kubernetes/*.conf, manifests/*.yaml,
// pki/*.??? and pki/etcd/*.???; rm -rf /etc/cni), its env file with the join secrets in clear
// text, and the files a finished init/join leaves (podsec-k8s/bin/podsec-u7s-kubeadm,
// alt-cloud/podsec commit 5014172).
import { readdirSync, statSync } from 'node:fs';
import { exists, fileOf, remove, writeText, makeDir, readText } from './files.mjs';
import { writeKubeconfig } from './kubeconfig.mjs';
import { setUnitState } from './services.mjs';

export const ETCD_DIR = '/var/lib/podsec/u7s/etcd';
export const ENV_FILE = '/etc/podsec/u7s/config/env';

function filesIn(dir, test) {
  try {
    return readdirSync(fileOf(dir))
      .filter((f) => test(f) && statSync(fileOf(`${dir}/${f}`)).isFile())
      .map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

/** The wrapper's "clean the previous kuber config" (files, not directories) and its fresh
 * /etc/cni. Returns what it removed. */
export function wipePreviousConfig() {
  const threeLetter = (f) => /^.+\.[^.]{3}$/.test(f);
  const wiped = [
    ...filesIn('/etc/kubernetes', (f) => f.endsWith('.conf')),
    ...filesIn('/etc/kubernetes/manifests', (f) => f.endsWith('.yaml')),
    ...filesIn('/etc/kubernetes/pki', threeLetter),
    ...filesIn('/etc/kubernetes/pki/etcd', threeLetter),
  ];
  for (const f of wiped) remove(f);
  if (exists('/etc/cni')) {
    remove('/etc/cni');
    wiped.push('/etc/cni');
  }
  makeDir('/etc/cni/net.d');
  writeText('/etc/cni/net.d/10-flannel.conflist', '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}\n');
  return wiped;
}

/** The wrapper writes what it was given into its env file, secrets in clear, world-readable
 * (podsec-u7s-kubeadm, alt-cloud/podsec 5014172: the flags' values under its own names —
 * U7S_APISERVERENDPOINT, U7S_TOKEN, U7S_CACERTHASH, U7S_CERIFICATEKEY, misspelt as there). */
export function writeEnvFile(values) {
  const old = (readText(ENV_FILE) ?? '').split('\n').filter((l) => l && !Object.keys(values).some((k) => l.startsWith(`${k}=`)));
  const lines = [...old, ...Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)];
  writeText(ENV_FILE, lines.join('\n') + '\n', { mode: 0o644 });
}

/** Where kubelet.conf points for its client certificate (made by the TLS bootstrap, which the lab
 * does not simulate: the file is not written). */
export const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

/** Control-plane credentials signed by the cluster CA (`ca`: {cert, key} PEM): admin.conf's
 * kubernetes-admin (system:masters), the controller manager's and the scheduler's. */
export async function controlPlaneCredentials(ca) {
  const { issueCert } = await import('./pki.mjs');
  return {
    admin: await issueCert(ca, { cn: 'kubernetes-admin', o: ['system:masters'], client: true }),
    controllerManager: await issueCert(ca, { cn: 'system:kube-controller-manager', client: true }),
    scheduler: await issueCert(ca, { cn: 'system:kube-scheduler', client: true }),
  };
}

/** Files of a node that is part of the cluster: kubelet.conf and the CA always; admin.conf,
 * static pods, the CA key and etcd data on control planes (`creds` from controlPlaneCredentials);
 * u7s.service enabled and running. */
export function writeNodeFiles({ clusterId, ca, server, controlPlane, advertise, creds }) {
  writeKubeconfig('/etc/kubernetes/kubelet.conf', { server, ca: ca.cert, certFile: KUBELET_CLIENT_PEM, user: 'default-auth' });
  writeText('/var/lib/kubelet/config.yaml', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n');
  makeDir('/etc/cni/net.d');
  writeText('/etc/kubernetes/pki/ca.crt', ca.cert);
  if (controlPlane) {
    writeKubeconfig('/etc/kubernetes/admin.conf', { server, ca: ca.cert, ...creds.admin, user: 'kubernetes-admin' });
    writeKubeconfig('/etc/kubernetes/controller-manager.conf', { server: `${advertise}:6443`, ca: ca.cert, ...creds.controllerManager, user: 'system:kube-controller-manager' });
    writeKubeconfig('/etc/kubernetes/scheduler.conf', { server: `${advertise}:6443`, ca: ca.cert, ...creds.scheduler, user: 'system:kube-scheduler' });
    writeKubeconfig('/root/.kube/config', { server, ca: ca.cert, ...creds.admin, user: 'kubernetes-admin' });
    for (const m of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      writeText(`/etc/kubernetes/manifests/${m}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${m}\n  namespace: kube-system\n`);
    }
    writeText('/etc/kubernetes/pki/ca.key', ca.key, { mode: 0o600 });
    for (const f of ['apiserver.crt', 'apiserver.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'etcd/ca.crt']) {
      writeText(`/etc/kubernetes/pki/${f}`, `lab ${f} of cluster ${clusterId}\n`, { mode: f.endsWith('.key') ? 0o600 : 0o644 });
    }
    writeText(`${ETCD_DIR}/member/snap/db`, `lab etcd data of cluster ${clusterId}\n`);
  }
  setUnitState('u7s', { enabled: true, active: true, since: new Date().toISOString() });
}

/** kubeadm reset (run inside u7s-admin's namespaces): what it removes from a node. It stops the
 * kubelet there but leaves the host's u7s.service alone. */
export function resetNodeFiles() {
  for (const p of ['/etc/kubernetes/manifests', '/etc/kubernetes/pki', '/var/lib/kubelet', '/etc/cni/net.d']) remove(p);
  for (const f of filesIn('/etc/kubernetes', (f) => f.endsWith('.conf'))) remove(f);
  remove(ETCD_DIR);
  makeDir(ETCD_DIR);
}
