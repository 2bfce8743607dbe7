// Who is asking the simulated API server, and may they: client certificates issued by the
// cluster CA (admin.conf: kubernetes-admin in system:masters), bootstrap tokens (the kubeadm
// join identity), or nobody (system:anonymous). Unknown or expired credentials are refused with
// 401, as the real API server does; what each identity may do follows kubeadm's default RBAC.
import { certIdentity } from './pki.mjs';
import { liveTokens, TOKEN_GROUPS } from './kube-objects.mjs';

export const ANONYMOUS = { user: 'system:anonymous', groups: ['system:unauthenticated'] };
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** {user, groups} or {status: 401, reason} for a request's client certificate or bearer token. */
export function authenticate(cluster, { cert, token }) {
  if (cert) {
    if (!cluster.ca) return { status: 401, reason: 'no cluster CA' };
    const who = certIdentity(cert, cluster.ca.cert);
    return who.error ? { status: 401, reason: who.error } : { user: who.user, groups: [...who.groups, 'system:authenticated'] };
  }
  if (token !== undefined) {
    const m = TOKEN.exec(token);
    const live = m && liveTokens(cluster).find((t) => t.token === token && t.authentication !== false);
    if (!live) return { status: 401, reason: 'invalid bearer token' };
    const extra = String(live.groups ?? TOKEN_GROUPS).split(',').filter(Boolean);
    return { user: `system:bootstrap:${m[1]}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
  }
  return ANONYMOUS;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
const CLUSTER_INFO = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

/**
 * May `who` do `verb` on `path`? kubeadm's defaults: health and version for everyone
 * (system:public-info-viewer), cluster-info readable by anyone (kubeadm:bootstrap-signer-
 * clusterinfo), bootstrap tokens may also get nodes (kubeadm:get-nodes), system:masters may do
 * anything, other authenticated users may read discovery and nodes.
 */
export function authorize(who, verb, path) {
  if (who.groups.includes('system:masters')) return true;
  if (PUBLIC_PATHS.has(path) && verb === 'get') return true;
  if (path === CLUSTER_INFO && verb === 'get') return true;
  if (who.groups.includes('system:bootstrappers')) return verb === 'get' && /^\/api\/v1\/nodes\/[^/]+$/.test(path);
  if (who.groups.includes('system:authenticated')) {
    return (verb === 'get' || verb === 'list') && (/^\/(api|apis)(\/v1)?\/?$/.test(path) || /^\/api\/v1\/nodes(\/[^/]+)?$/.test(path));
  }
  return false;
}

/** The Kubernetes wording of a refusal, e.g. `nodes is forbidden: User "x" cannot list resource "nodes" …`. */
export function forbiddenMessage(who, verb, resource, name, namespace) {
  const what = resource ? `resource "${resource}" in API group ""` : `path "${name}"`;
  const scope = resource ? (namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope') : '';
  const subject = resource ? `${resource}${name ? ` "${name}"` : ''} is forbidden: ` : 'forbidden: ';
  return `${subject}User "${who.user}" cannot ${verb} ${what}${scope}`;
}
