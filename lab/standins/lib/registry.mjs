// The local registry (registry.local) and signature policy: what podsec-load-sign-oci pushed
// (kept on the registry node in /var/lib/lab/registry.json) and whether a node may pull an image
// under its /etc/containers/policy.json (signedBy keys must be present and match the signer).
import { readJson, writeText, readText } from './files.mjs';
import { nodeByAddress } from './env.mjs';
import { resolveName } from './hosts.mjs';
import { isActive } from './services.mjs';
import { fingerprintOf } from './gpg.mjs';

export const K8S_IMAGES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'etcd', 'coredns', 'pause', 'flannel', 'flannel-cni-plugin'];

export function registryRecord(node) {
  return readJson('/var/lib/lab/registry.json', node) ?? { repos: {} };
}

export function recordPush(node, repo, entry) {
  const rec = registryRecord(node);
  rec.repos[repo] = entry;
  writeText('/var/lib/lab/registry.json', JSON.stringify(rec, null, 2) + '\n', { node });
}

/** The policy requirement for `image` (most specific docker scope wins, then default). */
function requirementFor(policy, image) {
  const scopes = policy?.transports?.docker ?? {};
  let best;
  for (const scope of Object.keys(scopes)) {
    if ((image === scope || image.startsWith(scope + '/') || image.startsWith(scope + ':')) && (!best || scope.length > best.length)) best = scope;
  }
  return best !== undefined ? scopes[best] : policy?.default;
}

/**
 * Why `node` cannot pull the Kubernetes images of `platform` from `registry` (a containers/image
 * style message), or undefined when it can. Registries other than registry.local are taken as
 * reachable (the lab does not simulate the Internet's mirrors).
 */
export function pullProblem(node, registry, platform, kubeVersion) {
  if (registry !== 'registry.local') return undefined;
  const repo = `registry.local/k8s-${platform}`;
  const image = `${repo}/kube-apiserver:${kubeVersion}`;
  const pull = `failed to pull image ${image}:`;
  const ip = resolveName('registry.local', node);
  if (!ip) return `${pull} pinging container registry registry.local: Get "https://registry.local/v2/": dial tcp: lookup registry.local: no such host`;
  const regNode = nodeByAddress(ip);
  if (!regNode || !isActive('docker-registry', regNode.name)) return `${pull} pinging container registry registry.local: Get "http://registry.local/v2/": dial tcp ${ip}:80: connect: connection refused`;
  const pushed = registryRecord(regNode.name).repos[repo];
  if (!pushed) return `${pull} reading manifest ${kubeVersion} in ${repo}/kube-apiserver: manifest unknown`;
  const policyText = readText('/etc/containers/policy.json', node);
  if (policyText === undefined) return `${pull} open /etc/containers/policy.json: no such file or directory`;
  let policy;
  try {
    policy = JSON.parse(policyText);
  } catch {
    return `${pull} invalid policy in "/etc/containers/policy.json"`;
  }
  const reqs = requirementFor(policy, image) ?? [{ type: 'reject' }];
  for (const r of reqs) {
    if (r.type === 'insecureAcceptAnything') continue;
    if (r.type === 'reject') return `${pull} Source image rejected: Running image docker://${image} is rejected by policy.`;
    if (r.type === 'signedBy') {
      const keyText = r.keyPath ? readText(r.keyPath, node) : undefined;
      if (keyText === undefined) return `${pull} Source image rejected: open ${r.keyPath}: no such file or directory`;
      if (fingerprintOf(keyText) !== pushed.signedBy) return `${pull} Source image rejected: Invalid GPG signature: signed by an unknown key`;
    }
  }
  return undefined;
}
