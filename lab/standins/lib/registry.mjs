// The local registry (docker-registry behind registry.local, plain HTTP on :80) and the signature
// policy. What podsec-load-sign-oci pushed is kept on the registry node in
// /var/lib/lab/registry.json as repository → tag → manifest digest ("p10/kube-apiserver" →
// "v1.28.3" → sha256:…); podman's signatures are files under the lookaside staging directory,
// /var/sigstore/sigstore/<repository>@sha256=<hex>/signature-1, as containers/image lays them out.
// A node pulls an image when registry.local resolves, the registry runs, the node's
// registries.conf marks registry.local insecure (plain HTTP), the tag is there, and its
// /etc/containers/policy.json accepts it (signedBy: the key file it names, with the signer's
// fingerprint).
import { createHash } from 'node:crypto';
import { readJson, writeText, readText } from './files.mjs';
import { nodeByAddress } from './env.mjs';
import { resolveName } from './hosts.mjs';
import { isActive } from './services.mjs';
import { fingerprintOf } from './gpg.mjs';
import { registryPath } from './platform.mjs';
import { reachesPublicRegistries } from './host-config.mjs';

export { kubernetesImages, FLANNEL_IMAGES, archiveImages } from './images.mjs';

export function registryRecord(node) {
  const rec = readJson('/var/lib/lab/registry.json', node);
  return rec && rec.images ? rec : { images: {} };
}

/** A pushed image: repository path (without the registry host), tag, manifest digest. */
export function recordPush(node, repo, tag, digest, signedBy) {
  const rec = registryRecord(node);
  rec.images[repo] ??= {};
  rec.images[repo][tag] = { digest, signedBy, pushedAt: new Date().toISOString() };
  writeText('/var/lib/lab/registry.json', JSON.stringify(rec, null, 2) + '\n', { node });
}

/** The digest the registry gives a pushed manifest (not the archive's: podman push re-encodes). */
export function pushedDigest(repo, tag, signer) {
  return `sha256:${createHash('sha256').update(`pushed ${repo}:${tag} ${signer}`).digest('hex')}`;
}

export function tagsOf(node, repo) {
  return Object.keys(registryRecord(node).images[repo] ?? {});
}

export function manifestOf(node, repo, tag) {
  return registryRecord(node).images[repo]?.[tag];
}

/** Where podman push --sign-by leaves the signature (lookaside-staging file:///var/sigstore/sigstore/). */
export function signaturePath(repo, digest) {
  return `/var/sigstore/sigstore/${repo}@${digest.replace(':', '=')}/signature-1`;
}

/** Does registries.conf mark registry.local insecure (it serves plain HTTP)? */
export function insecureRegistryLocal(node) {
  const conf = readText('/etc/containers/registries.conf', node) ?? '';
  for (const block of conf.split(/^\s*\[\[registry\]\]\s*$/m).slice(1)) {
    const location = block.match(/^\s*location\s*=\s*"([^"]*)"/m)?.[1];
    const insecure = /^\s*insecure\s*=\s*true\s*$/m.test(block.split(/^\s*\[/m)[0] ?? block);
    if (location === 'registry.local' && insecure) return true;
  }
  return false;
}

/** The registry node of `node`'s registry.local, or a pull error. */
function reachRegistry(node, pull) {
  const ip = resolveName('registry.local', node);
  if (!ip) return { error: `${pull} pinging container registry registry.local: Get "https://registry.local/v2/": dial tcp: lookup registry.local: no such host` };
  if (!insecureRegistryLocal(node)) {
    return { error: `${pull} pinging container registry registry.local: Get "https://registry.local/v2/": http: server gave HTTP response to HTTPS client (registry.local is not marked insecure in /etc/containers/registries.conf)` };
  }
  const regNode = nodeByAddress(ip);
  if (!regNode || !isActive('docker-registry', regNode.name)) return { error: `${pull} pinging container registry registry.local: Get "http://registry.local/v2/": dial tcp ${ip}:80: connect: connection refused` };
  return { regNode };
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
 * Why `node` cannot pull `registry.local/<path>/<name>:<tag>` (a containers/image style message),
 * or undefined when it can.
 */
export function imagePullProblem(node, path, name, tag) {
  const repo = path ? `${path}/${name}` : name;
  const image = `registry.local/${repo}:${tag}`;
  const pull = `failed to pull image ${image}:`;
  const { error, regNode } = reachRegistry(node, pull);
  if (error) return error;
  const pushed = manifestOf(regNode.name, repo, tag);
  if (!pushed) return `${pull} reading manifest ${tag} in registry.local/${repo}: manifest unknown`;
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
      const signature = readText(signaturePath(repo, pushed.digest), regNode.name);
      if (signature === undefined) return `${pull} Source image rejected: A signature was required, but no signature exists`;
      if (fingerprintOf(keyText) !== pushed.signedBy) return `${pull} Source image rejected: Invalid GPG signature: signed by an unknown key`;
    }
  }
  return undefined;
}

/**
 * Why `node` cannot pull the Kubernetes images of `kubeVersion` for `platform` from `registry`,
 * or undefined. A public registry (the Internet mode's) serves every image while the node
 * reaches it (host.json publicRegistries); the lab does not check the image policy for it.
 */
export function pullProblem(node, registry, platform, kubeVersion) {
  if (registry !== 'registry.local') {
    if (reachesPublicRegistries(node)) return undefined;
    const path = registryPath(platform);
    return `failed to pull image ${registry}/${path ? `${path}/` : ''}kube-apiserver:${kubeVersion}: pinging container registry ${registry}: Get "https://${registry}/v2/": dial tcp: lookup ${registry}: no such host`;
  }
  return imagePullProblem(node, registryPath(platform), 'kube-apiserver', kubeVersion);
}
