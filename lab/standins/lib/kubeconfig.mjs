// Kubeconfig files the simulated kubeadm writes (admin.conf, kubelet.conf, ~/.kube/config): real
// enough to read, carrying the API server address and which cluster (by id) issued them.
import { readText, writeText } from './files.mjs';

export function kubeconfigText({ server, clusterId, user }) {
  const ca = Buffer.from(`lab-ca ${clusterId}`).toString('base64');
  const cert = Buffer.from(`lab-client ${user} ${clusterId}`).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${ca}
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
    client-certificate-data: ${cert}
    client-key-data: ${cert}
`;
}

export function writeKubeconfig(path, fields, node) {
  writeText(path, kubeconfigText(fields), { mode: 0o600, node });
}

/** {server, clusterId} of a kubeconfig file, or undefined when missing/unreadable. */
export function readKubeconfig(path, node) {
  const text = readText(path, node);
  if (text === undefined) return undefined;
  const server = text.match(/server:\s*https?:\/\/(\S+)/)?.[1];
  const ca = text.match(/certificate-authority-data:\s*(\S+)/)?.[1];
  const clusterId = ca ? Buffer.from(ca, 'base64').toString().match(/^lab-ca (\S+)/)?.[1] : undefined;
  return server ? { server, clusterId } : undefined;
}
