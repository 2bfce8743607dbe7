// API auditing as podsec's kubeadm wrapper sets it up (podsec-k8s/bin/podsec-u7s-kubeadm and
// tuneAudit in podsec-u7s-functions, alt-cloud/podsec commit 5014172): on every init and join it
// copies /etc/podsec/u7s/audit/policy.yaml into /etc/kubernetes/audit/ (chown u7s-admin) before
// the clean-up; on a control plane, after kubeadm has written the static pods, tuneAudit adds to
// kube-apiserver.yaml --audit-policy-file, --audit-log-path (/etc/kubernetes/audit/audit.log),
// --audit-log-maxsize=500, --audit-log-maxbackup=3, the mount and the hostPath volume `audit` —
// unless a volume with that path is there already. The lab writes kube-apiserver.yaml in
// kubeadm's shape (the native stand-in leaves a stub) so the additions land where yq puts them.
// The API server opens audit.log only at its first audited request: the lab never writes it.
import { err } from './main.mjs';
import { makeDir, readText, writeText } from './files.mjs';

export const AUDIT_SOURCE = '/etc/podsec/u7s/audit/policy.yaml';
export const AUDIT_DIR = '/etc/kubernetes/audit';
export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** `mkdir -p /etc/kubernetes/audit; cp /etc//podsec/u7s/audit/policy.yaml …` (cp's complaint on
 * stderr when podsec-k8s's policy is missing; the wrapper goes on). */
export function copyAuditPolicy() {
  makeDir(AUDIT_DIR);
  const policy = readText(AUDIT_SOURCE);
  if (policy === undefined) {
    err("cp: cannot stat '/etc//podsec/u7s/audit/policy.yaml': No such file or directory\n");
    return false;
  }
  writeText(`${AUDIT_DIR}/policy.yaml`, policy);
  return true;
}

/** kube-apiserver.yaml as kubeadm writes it (abridged), with tuneAudit's additions when `audit`. */
export function apiserverManifest({ advertise, image, audit }) {
  const flags = [
    `--advertise-address=${advertise}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--enable-admission-plugins=NodeRestriction',
    '--etcd-servers=https://127.0.0.1:2379',
    '--secure-port=6443',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
    '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
    ...(audit ? ['--audit-policy-file=/etc/kubernetes/audit/policy.yaml', '--audit-log-path=/etc/kubernetes/audit/audit.log', '--audit-log-maxsize=500', '--audit-log-maxbackup=3'] : []),
  ];
  const mounts = [
    ['/etc/ssl/certs', 'ca-certs', true],
    ['/etc/kubernetes/pki', 'k8s-certs', true],
    ...(audit ? [['/etc/kubernetes/audit', 'audit', false]] : []),
  ];
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  labels:',
    '    component: kube-apiserver',
    '    tier: control-plane',
    '  name: kube-apiserver',
    '  namespace: kube-system',
    'spec:',
    '  containers:',
    '  - command:',
    '    - kube-apiserver',
    ...flags.map((f) => `    - ${f}`),
    `    image: ${image}`,
    '    imagePullPolicy: IfNotPresent',
    '    name: kube-apiserver',
    '    volumeMounts:',
    ...mounts.flatMap(([path, name, ro]) => [`    - mountPath: ${path}`, `      name: ${name}`, ...(ro ? ['      readOnly: true'] : [])]),
    '  hostNetwork: true',
    '  priorityClassName: system-node-critical',
    '  volumes:',
    ...mounts.flatMap(([path, name]) => ['  - hostPath:', `      path: ${path}`, '      type: DirectoryOrCreate', `    name: ${name}`]),
    'status: {}',
    '',
  ].join('\n');
}

/** After a control plane's init or join: kubeadm's kube-apiserver.yaml, then tuneAudit. Returns
 * whether tuneAudit changed it. */
export function tuneAudit({ advertise, image }) {
  const current = readText(APISERVER_MANIFEST) ?? '';
  if (/path: \/etc\/kubernetes\/audit\s*$/m.test(current)) return false;
  writeText(APISERVER_MANIFEST, apiserverManifest({ advertise, image, audit: true }));
  return true;
}
