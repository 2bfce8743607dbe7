#!/usr/bin/env node
// kubectl stand-in on the simulated cluster: get nodes (table, -o wide|name|json), apply -f
// (a manifest whose path, URL or content names flannel installs the CNI), wait --for=
// condition=Ready, delete/drain/cordon/uncordon node, cluster-info, version. The kubeconfig is
// --kubeconfig, $KUBECONFIG or ~/.kube/config; without one it fails like the real kubectl
// (localhost:8080 refused). Node objects and access rules are the lab API server's own
// (lib/kube-objects.mjs, lib/kube-auth.mjs), so this and a real kubectl against the API agree.
// Models: kubectl v1.28 against the lab cluster; podsec's wrapper applies flannel with it (alt-cloud/podsec 5014172).
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { standin, fail, out } from './lib/main.mjs';
import { parseFlags } from './lib/flags.mjs';
import { nodePath } from './lib/env.mjs';
import { connectApi } from './lib/api.mjs';
import { updateCluster, readCluster } from './lib/cluster.mjs';
import { nodeViews, nodeObject, age } from './lib/kube-objects.mjs';
import { authorize, forbiddenMessage } from './lib/kube-auth.mjs';
import { labNow } from './lib/clock.mjs';
import { FLANNEL_MANIFEST, objectsOf } from './lib/manifests.mjs';
import { setTimeout as delay } from 'node:timers/promises';

const FLAGS = {
  kubeconfig: 'string',
  output: 'string',
  filename: 'list',
  namespace: 'string',
  'all-namespaces': 'bool',
  'no-headers': 'bool',
  for: 'string',
  all: 'bool',
  timeout: 'string',
  'request-timeout': 'string',
  selector: 'string',
  'ignore-daemonsets': 'bool',
  'delete-emptydir-data': 'bool',
  'delete-local-data': 'bool',
  force: 'bool',
  client: 'bool',
  context: 'string',
  v: 'string',
  raw: 'string',
  'dry-run': 'string',
};
const ALIASES = { '-o': 'output', '-f': 'filename', '-n': 'namespace', '-A': 'all-namespaces', '-l': 'selector' };

function kubeconfigPath(flags) {
  if (flags.kubeconfig) return flags.kubeconfig;
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG.split(':')[0];
  return join(process.env.HOME ?? '/root', '.kube', 'config');
}

/** The cluster, once the kubeconfig's server answers, trusts us, and lets us `verb` `resource`
 * (the lab API server's rules: lib/kube-auth.mjs). */
function connect(flags, verb = 'get', resource = 'nodes', path = '/api/v1/nodes') {
  const api = connectApi(kubeconfigPath(flags));
  if (api.ok) {
    if (!authorize(api.who, verb === 'list' ? 'list' : verb, path)) fail(`Error from server (Forbidden): ${forbiddenMessage(api.who, verb, resource)}`);
    return api.cluster;
  }
  if (api.kind === 'missing') fail('The connection to the server localhost:8080 was refused - did you specify the right host or port?');
  if (api.kind === 'x509') fail(`Unable to connect to the server: ${api.error}`);
  if (api.kind === 'unauthorized') fail('error: You must be logged in to the server (Unauthorized)');
  if (api.error.endsWith('connection refused')) fail(`The connection to the server ${api.server} was refused - did you specify the right host or port?`);
  return fail(`Unable to connect to the server: ${api.error}`);
}

function getNodes(cluster, flags, names) {
  let views = nodeViews(cluster);
  if (names.length) {
    const missing = names.find((n) => !views.some((v) => v.name === n));
    if (missing) fail(`Error from server (NotFound): nodes "${missing}" not found`);
    views = views.filter((v) => names.includes(v.name));
  }
  const o = flags.output;
  if (o === 'json') {
    const items = views.map((v) => nodeObject(cluster, v));
    out(JSON.stringify(names.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 4) + '\n');
    return 0;
  }
  if (o === 'name') {
    out(views.map((v) => `node/${v.name}\n`).join(''));
    return 0;
  }
  if (o && o !== 'wide') fail(`lab: kubectl -o ${o} is not simulated; use -o json, -o name or -o wide`);
  if (views.length === 0) {
    process.stderr.write('No resources found\n');
    return 0;
  }
  const now = labNow();
  const rows = views.map((v) => [v.name, v.status, v.roles, age(now - v.joinedAt), cluster.kubeVersion ?? 'v1.28.3', ...(o === 'wide' ? [v.address, '<none>', 'ALT Server 10.2 (Mendelevium)'] : [])]);
  const head = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(o === 'wide' ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE'] : [])];
  const all = flags['no-headers'] ? rows : [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  out(all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : String(c).padEnd(widths[i] + 3))).join('')).join('\n') + '\n');
  return 0;
}

/** The manifests named by -f: files (or directories of them) on the node, URLs, or stdin. */
function readManifests(sources) {
  const docs = [];
  for (const src of sources) {
    if (/^https?:\/\//.test(src)) {
      if (!/flannel/i.test(src)) fail(`error: unable to read URL "${src}", server reported 404 Not Found, status code=404 (the lab has no Internet; only flannel manifests are served)`);
      docs.push({ source: src, text: FLANNEL_MANIFEST });
      continue;
    }
    if (src === '-') {
      docs.push({ source: 'stdin', text: readFileSync(0, 'utf8') });
      continue;
    }
    const file = nodePath(src);
    if (!existsSync(file)) fail(`error: the path "${src}" does not exist`);
    const files = statSync(file).isDirectory() ? readdirSync(file).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(file, f)) : [file];
    for (const f of files) docs.push({ source: src, text: readFileSync(f, 'utf8') });
  }
  return docs;
}

function apply(flags, record) {
  const sources = flags.filename ?? [];
  if (sources.length === 0) fail('error: must specify one of -f and -k');
  connect(flags, 'create', 'objects', '/apis');
  const docs = readManifests(sources);
  const lines = [];
  updateCluster((c) => {
    for (const doc of docs) {
      const flannel = /flannel/i.test(doc.source) || /flannel/i.test(doc.text);
      const objects = objectsOf(doc.text);
      for (const o of objects.length ? objects : [{ kind: 'object', name: doc.source }]) {
        const key = `${o.kind}/${o.name}`;
        const seen = c.manifests.includes(key);
        if (!seen) c.manifests.push(key);
        const group = { ClusterRole: '.rbac.authorization.k8s.io', ClusterRoleBinding: '.rbac.authorization.k8s.io', DaemonSet: '.apps', Deployment: '.apps' }[o.kind] ?? '';
        lines.push(`${o.kind.toLowerCase()}${group}/${o.name} ${seen ? 'unchanged' : 'created'}`);
      }
      if (flannel && !c.cni) {
        c.cni = { name: 'flannel', manifest: doc.source, appliedAt: labNow() };
        record.event = 'cni-applied';
      }
    }
  });
  out(lines.join('\n') + '\n');
  return 0;
}

function parseTimeout(text, fallback) {
  if (text === undefined) return fallback;
  const m = String(text).match(/^(\d+)(ms|s|m|h)?$/);
  if (!m) fail(`error: invalid argument "${text}" for "--timeout" flag`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']);
}

async function wait(flags, targets) {
  if (!/^condition=Ready$/i.test(flags.for ?? '')) fail('lab: kubectl wait simulates --for=condition=Ready on nodes only');
  const timeout = parseTimeout(flags.timeout, 30_000);
  const deadline = Date.now() + timeout;
  const want = (cluster) => {
    if (flags.all || targets.length === 0) return Object.keys(cluster.nodes);
    return targets.map((t) => t.replace(/^nodes?\//, ''));
  };
  connect(flags);
  for (;;) {
    const cluster = readCluster();
    const views = nodeViews(cluster);
    const names = want(cluster);
    const missing = names.find((n) => !cluster.nodes[n]);
    if (missing) fail(`Error from server (NotFound): nodes "${missing}" not found`);
    const notReady = names.filter((n) => !views.find((v) => v.name === n)?.ready);
    if (notReady.length === 0) {
      out(names.map((n) => `node/${n} condition met\n`).join(''));
      return 0;
    }
    if (Date.now() >= deadline) fail(`error: timed out waiting for the condition on nodes/${notReady[0]}`);
    await delay(Math.min(100, Math.max(1, deadline - Date.now()))); // async: a SIGTERM can end it
  }
}

function nodeOp(flags, verb, names, record) {
  if (names.length === 0) fail(`error: resource(s) were provided, but no name was specified`);
  connect(flags, verb === 'delete' ? 'delete' : 'patch', 'nodes', `/api/v1/nodes/${names[0]}`);
  updateCluster((c) => {
    for (const n of names) {
      if (!c.nodes[n]) fail(`Error from server (NotFound): nodes "${n}" not found`);
      if (verb === 'delete') delete c.nodes[n];
      else c.nodes[n].unschedulable = verb !== 'uncordon';
    }
  });
  record.event = `node-${verb}`;
  const past = { delete: 'deleted', drain: 'drained', cordon: 'cordoned', uncordon: 'uncordoned' }[verb];
  out(names.map((n) => `node/${n} ${past}\n`).join(''));
  return 0;
}

standin(async (args, record) => {
  const { flags, positionals } = parseFlags(args, FLAGS, ALIASES, 'kubectl');
  const [verb, ...rest] = positionals;
  record.event = verb;
  switch (verb) {
    case 'version':
      out('Client Version: v1.28.3\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n');
      if (flags.client) return 0;
      connect(flags, 'get', '', '/version');
      out('Server Version: v1.28.3\n');
      return 0;
    case 'cluster-info': {
      connect(flags);
      const kc = readFileSync(nodePath(kubeconfigPath(flags)), 'utf8').match(/server:\s*(\S+)/)?.[1];
      out(`Kubernetes control plane is running at ${kc}\nCoreDNS is running at ${kc}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n`);
      return 0;
    }
    case 'get': {
      if (flags.raw !== undefined) {
        const cluster = connect(flags, 'get', '', flags.raw);
        if (['/healthz', '/livez', '/readyz'].includes(flags.raw)) out('ok');
        else if (flags.raw === '/version') out(JSON.stringify({ major: '1', minor: (cluster.kubeVersion ?? 'v1.28.3').split('.')[1], gitVersion: cluster.kubeVersion ?? 'v1.28.3' }, null, 2) + '\n');
        else fail('Error from server (NotFound): the server could not find the requested resource');
        return 0;
      }
      const cluster = connect(flags, 'list', 'nodes', '/api/v1/nodes');
      const [kind, ...names] = rest;
      const [k, n] = (kind ?? '').split('/');
      if (['pods', 'pod', 'po'].includes(k)) connect(flags, 'list', 'pods', '/api/v1/pods');
      if (['nodes', 'node', 'no'].includes(k)) return getNodes(cluster, flags, n ? [n, ...names] : names);
      if (['pods', 'pod', 'po'].includes(k)) {
        out(cluster.cni ? 'NAMESPACE      NAME                    READY   STATUS    RESTARTS   AGE\nkube-flannel   kube-flannel-ds-lab     1/1     Running   0          1m\n' : 'No resources found\n');
        return 0;
      }
      if (['daemonset', 'daemonsets', 'ds'].includes(k)) {
        const name = n ?? names[0];
        const known = cluster.manifests.filter((m) => m.startsWith('DaemonSet/')).map((m) => m.slice('DaemonSet/'.length));
        if (name && !known.includes(name)) fail(`Error from server (NotFound): daemonsets.apps "${name}" not found`);
        out(`NAME              DESIRED   CURRENT   READY\n${(name ? [name] : known).map((d) => `${d.padEnd(18)}1         1         1`).join('\n')}\n`);
        return 0;
      }
      return fail(`lab: kubectl get ${kind ?? ''} is not simulated (nodes, pods, daemonsets)`);
    }
    case 'apply':
    case 'create':
      return apply(flags, record);
    case 'wait':
      return wait(flags, rest);
    case 'delete':
    case 'drain':
    case 'cordon':
    case 'uncordon': {
      const names = verb === 'delete' ? (['node', 'nodes', 'no'].includes((rest[0] ?? '').split('/')[0]) ? (rest[0].includes('/') ? [rest[0].split('/')[1], ...rest.slice(1)] : rest.slice(1)) : fail(`lab: kubectl delete ${rest[0] ?? ''} is not simulated (nodes only)`)) : rest.map((r) => r.replace(/^nodes?\//, ''));
      return nodeOp(flags, verb, names, record);
    }
    case undefined:
      out('kubectl controls the Kubernetes cluster manager.\n');
      return 0;
    default:
      return fail(`error: unknown command "${verb}" for "kubectl"`);
  }
});
