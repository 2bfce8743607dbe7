// The Kubernetes images of a version as podsec names them (no node access here: the lab's seed
// imports this too, outside any node).

/** What `kubeadm config images list` gives for a version (etcd, coredns and pause kept fixed:
 * the lab does not track which of their tags each Kubernetes minor wants). */
export function kubernetesImages(kubeVersion) {
  return [
    { name: 'kube-apiserver', tag: kubeVersion },
    { name: 'kube-controller-manager', tag: kubeVersion },
    { name: 'kube-scheduler', tag: kubeVersion },
    { name: 'kube-proxy', tag: kubeVersion },
    { name: 'pause', tag: '3.9' },
    { name: 'etcd', tag: '3.5.9-0' },
    { name: 'coredns', tag: 'v1.10.1' },
  ];
}

/** The flannel images podsec-k8s's wrapper loads besides (the newest flannel tag on the registry). */
export const FLANNEL_IMAGES = [
  { name: 'flannel', tag: 'v0.22.3' },
  { name: 'flannel-cni-plugin', tag: 'v1.2.0' },
];

/** Every image of the archive podsec-k8s-save-oci makes for a version. */
export function archiveImages(kubeVersion) {
  return [...kubernetesImages(kubeVersion), ...FLANNEL_IMAGES];
}
