// Manifests the lab hands out (there is no Internet): the flannel CNI.
export const FLANNEL_MANIFEST = `# kube-flannel.yml (lab copy)
apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: flannel
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: flannel
  namespace: kube-flannel
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
data:
  net-conf.json: |
    { "Network": "10.244.0.0/16", "Backend": { "Type": "vxlan" } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
`;

/** `kind/name` pairs of a multi-document manifest (a crude reading, enough for kubectl output). */
export function objectsOf(text) {
  return text
    .split(/^---\s*$/m)
    .map((doc) => {
      const kind = doc.match(/^kind:\s*(\S+)/m)?.[1];
      const name = doc.match(/^metadata:\s*\n(?:\s+.*\n)*?\s+name:\s*(\S+)/m)?.[1];
      return kind && name ? { kind, name } : undefined;
    })
    .filter(Boolean);
}
