// The lab API server's HTTP side: authenticate (client certificate, bootstrap token, or
// anonymous), authorize (kubeadm's default RBAC, lib/kube-auth.mjs), then answer from the
// simulated cluster (DIR/cluster.json): /version, /healthz|livez|readyz, discovery, nodes
// (list, get, patch, delete), pods (list, for drain), the kube-system bootstrap-token Secrets
// (list, get, create, delete) and kube-public/cluster-info. Anything else is 404, as on a real
// server; watches are not simulated (405).
import { URL } from 'node:url';
import { readCluster, updateCluster } from '../lib/cluster.mjs';
import { labNow } from '../lib/clock.mjs';
import { refreshLabState } from '../lib/env.mjs';
import { authenticate, authorize, forbiddenMessage } from '../lib/kube-auth.mjs';
import { clusterInfo, daemonSets, liveTokens, nodeList, nodeObject, nodeTable, nodeViews, pods, secretTable, tokenSecret, TOKEN_GROUPS, TOKEN_SECRET_TYPE } from '../lib/kube-objects.mjs';

const MAX_BODY = 1 << 20;

export function status(code, reason, message, details) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, ...(details ? { details } : {}), code };
}

class HttpError extends Error {
  constructor(code, reason, message, details) {
    super(message);
    this.body = status(code, reason, message, details);
  }
}
const notFound = (resource, name) => new HttpError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
const invalid = (message) => new HttpError(422, 'Invalid', message);

function send(res, code, body, type = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // Lab time: an API client that dates things (a token's expiry) by the server's clock agrees with the cluster
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), Date: new Date(labNow()).toUTCString(), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) reject(new HttpError(413, 'RequestEntityTooLarge', 'request entity too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function jsonBody(req) {
  const text = await readBody(req);
  try {
    return JSON.parse(text || 'null');
  } catch {
    throw new HttpError(400, 'BadRequest', 'the request body is not JSON');
  }
}

/** The caller's client certificate (DER) and bearer token. */
function credentials(req) {
  const peer = typeof req.socket.getPeerCertificate === 'function' ? req.socket.getPeerCertificate(false) : undefined;
  const cert = peer && peer.raw ? peer.raw : undefined;
  const auth = req.headers.authorization;
  const token = typeof auth === 'string' && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  return { cert, token };
}

// ---- merge and JSON patches on a node ----

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic-merge directives ($patch, $retainKeys): not needed for nodes here
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(doc, ops) {
  if (!Array.isArray(ops)) throw new HttpError(400, 'BadRequest', 'a JSON patch is an array of operations');
  const copy = JSON.parse(JSON.stringify(doc));
  for (const op of ops) {
    const path = String(op?.path ?? '').split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (path.length === 0) throw invalid(`the JSON patch path "${op?.path}" is not valid`);
    let parent = copy;
    for (const p of path.slice(0, -1)) {
      if (parent[p] === undefined && (op.op === 'add' || op.op === 'replace')) parent[p] = {};
      parent = parent[p];
      if (parent === undefined || parent === null) throw invalid(`the JSON patch path "${op.path}" does not exist`);
    }
    const last = path[path.length - 1];
    if (op.op === 'add' || op.op === 'replace') parent[last] = op.value;
    else if (op.op === 'remove') delete parent[last];
    else if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw invalid(`the JSON patch test at "${op.path}" failed`);
    } else throw invalid(`the JSON patch operation "${op.op}" is not simulated`);
  }
  return copy;
}

async function patchNode(req, name) {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
  const body = await jsonBody(req);
  const kinds = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];
  if (!kinds.includes(type)) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${kinds.join(', ')}`);
  return updateCluster((c) => {
    const view = nodeViews(c).find((v) => v.name === name);
    if (!view) throw notFound('nodes', name);
    const before = nodeObject(c, view);
    const after = type === 'application/json-patch+json' ? jsonPatch(before, body) : mergePatch(before, body);
    if (after?.metadata?.name !== name) throw invalid(`metadata.name: Invalid value: "${after?.metadata?.name}": field is immutable`);
    const n = c.nodes[name];
    n.labels = after.metadata.labels ?? {};
    if (after.metadata.annotations) n.annotations = after.metadata.annotations;
    else delete n.annotations;
    n.unschedulable = after.spec?.unschedulable === true;
    n.taints = Array.isArray(after.spec?.taints) ? after.spec.taints : [];
    n.resourceVersion = labNow();
    return nodeObject(c, nodeViews(c).find((v) => v.name === name));
  });
}

// ---- bootstrap-token Secrets ----

const field = (secret, key) => {
  const d = secret?.data?.[key];
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  const s = secret?.stringData?.[key];
  return typeof s === 'string' ? s : undefined;
};

function createTokenSecret(body) {
  if (!body || typeof body !== 'object') throw new HttpError(400, 'BadRequest', 'a Secret object is required');
  if (body.type !== TOKEN_SECRET_TYPE) throw invalid(`the lab API server stores only bootstrap tokens in kube-system (type ${TOKEN_SECRET_TYPE}), not type "${body.type ?? ''}"`);
  const id = field(body, 'token-id');
  const secret = field(body, 'token-secret');
  if (!/^[a-z0-9]{6}$/.test(id ?? '')) throw invalid('data[token-id]: Invalid value: must be 6 characters [a-z0-9]');
  if (!/^[a-z0-9]{16}$/.test(secret ?? '')) throw invalid('data[token-secret]: Invalid value: must be 16 characters [a-z0-9]');
  const name = body.metadata?.name;
  if (name !== `bootstrap-token-${id}`) throw invalid(`metadata.name: Invalid value: "${name ?? ''}": must be bootstrap-token-${id}`);
  const expiration = field(body, 'expiration');
  const expires = expiration === undefined ? null : Date.parse(expiration);
  if (Number.isNaN(expires)) throw invalid(`data[expiration]: Invalid value: "${expiration}": not an RFC3339 time`);
  return updateCluster((c) => {
    const now = labNow();
    // The token cleaner deletes expired tokens: an expired one with this id no longer exists
    c.tokens = c.tokens.filter((t) => t.expires === null || t.expires > now);
    if (c.tokens.some((t) => t.token.split('.')[0] === id)) throw new HttpError(409, 'AlreadyExists', `secrets "${name}" already exists`, { name, kind: 'secrets' });
    const t = {
      token: `${id}.${secret}`,
      createdAt: now,
      expires,
      description: field(body, 'description') ?? '',
      groups: field(body, 'auth-extra-groups') ?? TOKEN_GROUPS,
      authentication: field(body, 'usage-bootstrap-authentication') === 'true',
      signing: field(body, 'usage-bootstrap-signing') === 'true',
    };
    c.tokens.push(t);
    return tokenSecret(c, t);
  });
}

function deleteTokenSecret(name) {
  const id = /^bootstrap-token-([a-z0-9]{6})$/.exec(name)?.[1];
  return updateCluster((c) => {
    const live = id && liveTokens(c).find((t) => t.token.startsWith(`${id}.`));
    if (!live) throw notFound('secrets', name);
    c.tokens = c.tokens.filter((t) => t !== live && !t.token.startsWith(`${id}.`));
    return status(200, undefined, undefined, { name, kind: 'secrets', uid: tokenSecret(c, live).metadata.uid });
  });
}

// ---- discovery ----

const APPS_GROUP = { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } };

const RESOURCES = [
  { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list'], shortNames: ['cm'] },
  { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['delete', 'get', 'list', 'patch'], shortNames: ['no'] },
  { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
  { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['create', 'delete', 'get', 'list'] },
];

function selectPods(cluster, namespace, query) {
  const node = /(?:^|,)spec\.nodeName=([^,]+)/.exec(query.get('fieldSelector') ?? '')?.[1];
  const items = pods(cluster).filter((p) => (!namespace || p.metadata.namespace === namespace) && (!node || p.spec.nodeName === node));
  return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(labNow()) }, items };
}

/** The verb RBAC sees, the resource words for a Forbidden message, and the answer. */
function route(method, path, query, address) {
  const m = (re) => re.exec(path);
  let r;
  const get = method === 'GET' ? {} : { notAllowed: true };
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return { verb: 'get', ...get, text: () => 'ok' };
  if (path === '/version' || path === '/version/') return { verb: 'get', ...get, json: (c) => versionInfo(c) };
  if (path === '/api' || path === '/api/') return { verb: 'get', ...get, json: () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }] }) };
  if (path === '/apis' || path === '/apis/') return { verb: 'get', ...get, json: () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [APPS_GROUP] }) };
  if (path === '/apis/apps' || path === '/apis/apps/') return { verb: 'get', ...get, json: () => ({ kind: 'APIGroup', apiVersion: 'v1', ...APPS_GROUP }) };
  if (path === '/apis/apps/v1' || path === '/apis/apps/v1/') return { verb: 'get', ...get, json: () => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [{ name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs: ['get'], shortNames: ['ds'] }] }) };
  if ((r = m(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/daemonsets\/([^/]+)$/))) {
    const [, namespace, name] = r;
    return {
      verb: 'get', resource: 'daemonsets', namespace, name, ...get,
      json: (c) => {
        const ds = daemonSets(c).find((d) => d.metadata.namespace === namespace && d.metadata.name === name);
        if (!ds) throw notFound('daemonsets.apps', name);
        return ds;
      },
    };
  }
  if (path === '/api/v1' || path === '/api/v1/') return { verb: 'get', ...get, json: () => ({ kind: 'APIResourceList', groupVersion: 'v1', resources: RESOURCES }) };
  if (path === '/api/v1/nodes') return { verb: 'list', resource: 'nodes', ...get, json: (c, req) => (wantsTable(req) ? nodeTable(c, nodeViews(c), query.get('includeObject') ?? 'Metadata') : nodeList(c)) };
  if ((r = m(/^\/api\/v1\/nodes\/([^/]+)$/))) {
    const name = decodeURIComponent(r[1]);
    if (method === 'GET') {
      return {
        verb: 'get', resource: 'nodes', name,
        json: (c, req) => {
          const v = nodeViews(c).find((x) => x.name === name);
          if (!v) throw notFound('nodes', name);
          return wantsTable(req) ? nodeTable(c, [v], query.get('includeObject') ?? 'Metadata') : nodeObject(c, v);
        },
      };
    }
    if (method === 'PATCH') return { verb: 'patch', resource: 'nodes', name, json: (_c, req) => patchNode(req, name) };
    if (method === 'DELETE') {
      return {
        verb: 'delete', resource: 'nodes', name,
        json: () =>
          updateCluster((c) => {
            if (!c.nodes[name]) throw notFound('nodes', name);
            delete c.nodes[name];
            return status(200, undefined, undefined, { name, kind: 'nodes' });
          }),
      };
    }
    return { verb: method.toLowerCase(), resource: 'nodes', name, notAllowed: true };
  }
  if (path === '/api/v1/pods') return { verb: 'list', resource: 'pods', ...get, json: (c) => selectPods(c, undefined, query) };
  if ((r = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/))) return { verb: 'list', resource: 'pods', namespace: r[1], ...get, json: (c) => selectPods(c, r[1], query) };
  if ((r = m(/^\/api\/v1\/namespaces\/kube-system\/secrets$/))) {
    if (method === 'GET') {
      return {
        verb: 'list', resource: 'secrets', namespace: 'kube-system',
        json: (c, req) => {
          const items = liveTokens(c).map((t) => tokenSecret(c, t));
          return wantsTable(req) ? secretTable(items, query.get('includeObject') ?? 'Metadata') : { apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion: String(labNow()) }, items };
        },
      };
    }
    if (method === 'POST') return { verb: 'create', resource: 'secrets', namespace: 'kube-system', created: true, json: async (_c, req) => createTokenSecret(await jsonBody(req)) };
    return { verb: method.toLowerCase(), resource: 'secrets', namespace: 'kube-system', notAllowed: true };
  }
  if ((r = m(/^\/api\/v1\/namespaces\/kube-system\/secrets\/([^/]+)$/))) {
    const name = decodeURIComponent(r[1]);
    if (method === 'GET') {
      return {
        verb: 'get', resource: 'secrets', namespace: 'kube-system', name,
        json: (c) => {
          const t = liveTokens(c).find((x) => `bootstrap-token-${x.token.split('.')[0]}` === name);
          if (!t) throw notFound('secrets', name);
          return tokenSecret(c, t);
        },
      };
    }
    if (method === 'DELETE') return { verb: 'delete', resource: 'secrets', namespace: 'kube-system', name, json: () => deleteTokenSecret(name) };
    return { verb: method.toLowerCase(), resource: 'secrets', namespace: 'kube-system', name, notAllowed: true };
  }
  if (path === '/api/v1/namespaces/kube-public/configmaps/cluster-info') {
    return {
      verb: 'get', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info', ...get,
      json: (c) => {
        if (!c.ca) throw notFound('configmaps', 'cluster-info');
        return clusterInfo(c);
      },
    };
  }
  return undefined;
}

function wantsTable(req) {
  return /as=Table/.test(String(req.headers.accept ?? ''));
}

function versionInfo(cluster) {
  const v = cluster.kubeVersion ?? 'v1.28.3';
  const m = /^v(\d+)\.(\d+)/.exec(v);
  const [major, minor] = m ? [m[1], m[2]] : ['1', '28'];
  return { major, minor, gitVersion: v, gitCommit: 'lab', gitTreeState: 'clean', buildDate: '2023-10-18T11:33:18Z', goVersion: 'go1.20.10', compiler: 'gc', platform: 'linux/amd64' };
}

/**
 * Answer one request; `address` is the host:port the client reached (for discovery). Returns
 * the {user, status} it logged.
 */
export async function handleRequest(req, res, { address }) {
  refreshLabState();
  const url = new URL(req.url ?? '/', 'https://lab');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  let cluster = readCluster();
  const who = authenticate(cluster, credentials(req));
  if (who.status === 401) {
    send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    return { user: '-', status: 401 };
  }
  const r = route(method, path, url.searchParams, address);
  const verb = r?.verb ?? method.toLowerCase();
  if (!authorize(who, verb, path)) {
    const message = forbiddenMessage(who, verb, r?.resource, r?.resource ? r.name : path, r?.namespace);
    send(res, 403, status(403, 'Forbidden', message, r?.resource ? { ...(r.name ? { name: r.name } : {}), kind: r.resource } : undefined));
    return { user: who.user, status: 403 };
  }
  try {
    if (!r) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (r.notAllowed) {
      throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') throw new HttpError(405, 'MethodNotAllowed', 'watch is not simulated by the lab API server');
    if (r.text) {
      send(res, 200, r.text(), 'text/plain; charset=utf-8');
      return { user: who.user, status: 200 };
    }
    cluster = readCluster();
    const body = await r.json(cluster, req);
    const code = r.created ? 201 : 200;
    send(res, code, body);
    return { user: who.user, status: code };
  } catch (err) {
    if (err instanceof HttpError) {
      send(res, err.body.code, err.body);
      return { user: who.user, status: err.body.code };
    }
    send(res, 500, status(500, 'InternalError', `lab API server: ${err?.message ?? err}`));
    return { user: who.user, status: 500, error: String(err?.stack ?? err) };
  }
}
