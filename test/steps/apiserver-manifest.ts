// A kube-apiserver static pod manifest for the audit tests, with or without tuneAudit's additions.

/** kube-apiserver.yaml as kubeadm writes it, with tuneAudit's additions when `audit`. */
export function apiserverManifest(audit: boolean): string {
  const extra = audit
    ? ['    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml', '    - --audit-log-path=/etc/kubernetes/audit/audit.log', '    - --audit-log-maxsize=500', '    - --audit-log-maxbackup=3']
    : [];
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: kube-apiserver',
    '  namespace: kube-system',
    'spec:',
    '  containers:',
    '  - command:',
    '    - kube-apiserver',
    '    - --advertise-address=10.0.0.1',
    '    - --secure-port=6443',
    ...extra,
    '    image: registry.local/p10/kube-apiserver:v1.28.3',
    '    name: kube-apiserver',
    '    volumeMounts:',
    '    - mountPath: /etc/kubernetes/pki',
    '      name: k8s-certs',
    '      readOnly: true',
    ...(audit ? ['    - mountPath: /etc/kubernetes/audit', '      name: audit'] : []),
    '  volumes:',
    '  - hostPath:',
    '      path: /etc/kubernetes/pki',
    '      type: DirectoryOrCreate',
    '    name: k8s-certs',
    ...(audit ? ['  - hostPath:', '      path: /etc/kubernetes/audit', '      type: DirectoryOrCreate', '    name: audit'] : []),
    '',
  ].join('\n');
}
