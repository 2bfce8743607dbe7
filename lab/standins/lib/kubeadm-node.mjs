// What kubeadm init/join/reset do to a node's disk: the wrapper's wipe of /etc/kubernetes and
// /etc/cni, the `Clear directory? y/N` question about etcd data, the env file with the join
// secrets in clear text (like the real wrapper), and the files a finished init/join leaves.
import { readdirSync } from 'node:fs';
import { exists, fileOf, remove, writeText, makeDir, readText } from './files.mjs';
import { ask } from './prompt.mjs';
import { fail, out } from './main.mjs';
import { writeKubeconfig } from './kubeconfig.mjs';
import { setUnitState } from './services.mjs';
import { logAction } from './log.mjs';

export const ETCD_DIR = '/var/lib/podsec/u7s/etcd';
export const ENV_FILE = '/etc/podsec/u7s/config/env';

/** The wrapper's preamble: apt-get update, wipe, and the etcd question. Returns removed paths. */
export async function wrapperPreamble(record) {
  logAction({ argv: ['apt-get', 'update'], parent: 'podsec-u7s-kubeadm', event: 'apt-update', exit: 0 });
  out('Get:1 http://ftp.altlinux.org p10/branch release [4223B]\nReading Package Lists... Done\n');
  const wiped = [];
  const confDir = fileOf('/etc/kubernetes');
  let entries = [];
  try {
    entries = readdirSync(confDir);
  } catch {
    // nothing there yet
  }
  for (const f of entries.filter((f) => f.endsWith('.conf'))) {
    remove(`/etc/kubernetes/${f}`);
    wiped.push(`/etc/kubernetes/${f}`);
  }
  for (const p of ['/etc/kubernetes/manifests', '/etc/kubernetes/pki', '/etc/cni']) {
    if (exists(p)) {
      remove(p);
      wiped.push(p);
    }
  }
  record.wiped = wiped;
  if (exists(`${ETCD_DIR}/member`)) {
    record.etcdQuestion = true;
    const answer = await ask(`Directory ${ETCD_DIR} is not empty.\nClear directory? y/N `);
    record.etcdAnswer = answer === null ? null : answer.trim() === 'y' ? 'y' : 'other';
    if (answer === null || answer.trim() !== 'y') fail('\nThe etcd directory is not cleared: exiting');
    remove(ETCD_DIR);
    makeDir(ETCD_DIR);
  }
}

/** The wrapper writes what it was given into its env file, secrets in clear, world-readable. */
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

/** kubeadm reset: what it removes from a node. */
export function resetNodeFiles() {
  for (const p of ['/etc/kubernetes/manifests', '/etc/kubernetes/pki', '/var/lib/kubelet', '/etc/cni/net.d']) remove(p);
  let entries = [];
  try {
    entries = readdirSync(fileOf('/etc/kubernetes'));
  } catch {
    // nothing
  }
  for (const f of entries.filter((f) => f.endsWith('.conf'))) remove(`/etc/kubernetes/${f}`);
  remove(ETCD_DIR);
  makeDir(ETCD_DIR);
  setUnitState('u7s', { enabled: false, active: false });
}
