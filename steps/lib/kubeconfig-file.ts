// The cluster's admin kubeconfig on the controller: made from the master's admin.conf (server
// set to the control-plane endpoint, names set to the cluster's so it merges with others),
// written atomically with mode 0600, read back for day-2 work, and its key material registered
// as secrets the moment it is read, so no channel can show it.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { PlayError } from '../../engine/errors.js';
import { writeFileAtomic } from '../../engine/journal/atomic-write.js';
import type { StepContext } from '../../engine/step-kind.js';
import { apiEndpoint } from './cluster-hosts.js';
import { stepError } from './fail.js';
import { connectKube, KubeApiError, parseKubeconfig, type KubeClient, type ParsedKubeconfig } from './kube-api-client.js';

/** Register every credential the kubeconfig carries: the base64 fields and tokens as they are,
 * a decoded PEM by its base64 body lines (output is masked line by line; its BEGIN/END markers are
 * not secret, and the masker's PEM shape hides whole key blocks anyway). */
export function maskKubeconfig(ctx: Pick<StepContext, 'secret'>, parsed: ParsedKubeconfig): void {
  for (const s of parsed.secrets) {
    if (!s.includes('\n')) {
      ctx.secret(s);
      continue;
    }
    for (const line of s.split('\n')) if (/^[A-Za-z0-9+/=]{16,}$/.test(line.trim())) ctx.secret(line.trim());
    const body = s.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    if (body.length >= 16) ctx.secret(body);
  }
}

/** The fetched admin.conf with `server` and names made the cluster's own. */
export function adminKubeconfigFor(text: string, o: { server: string; cluster: string }): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`not YAML: ${doc.errors[0]!.message}`);
  const current = doc.get('current-context');
  const contexts = doc.get('contexts');
  const ctxEntry = isSeq(contexts) ? (contexts.items.find((c) => isMap(c) && c.get('name') === current) as YAMLMap | undefined) : undefined;
  const context = ctxEntry?.get('context') as YAMLMap | undefined;
  const clusterName = context?.get('cluster');
  const userName = context?.get('user');
  const rename = (list: unknown, from: unknown, to: string) => {
    if (!isSeq(list)) return;
    for (const item of list.items) if (isMap(item) && item.get('name') === from) item.set('name', to);
  };
  const admin = `${o.cluster}-admin`;
  const contextName = `${admin}@${o.cluster}`;
  const clusters = doc.get('clusters');
  if (isSeq(clusters)) {
    for (const item of clusters.items) {
      if (isMap(item) && item.get('name') === clusterName) (item.get('cluster') as YAMLMap | undefined)?.set('server', o.server);
    }
  }
  rename(clusters, clusterName, o.cluster);
  rename(doc.get('users'), userName, admin);
  if (ctxEntry && context) {
    ctxEntry.set('name', contextName);
    context.set('cluster', o.cluster);
    context.set('user', admin);
    doc.set('current-context', contextName);
  }
  return doc.toString({ lineWidth: 0 });
}

/** Write it 0600 (directory 0700 when made); an earlier, different file is kept as FILE.previous. */
export function writeKubeconfigFile(path: string, text: string): { replaced: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let replaced = false;
  if (existsSync(path)) {
    const old = readFileSync(path, 'utf8');
    if (old === text) return { replaced: false };
    writeFileAtomic(`${path}.previous`, old, { mode: 0o600 });
    replaced = true;
  }
  writeFileAtomic(path, text, { mode: 0o600 });
  return { replaced };
}

/** How to use it, for the run's summary. */
export function kubeconfigNote(path: string, cluster: string): string {
  return `cluster ${cluster}'s admin kubeconfig: ${path} (mode 0600; once SSH is off it is the way in: keep it safe)\nkubectl --kubeconfig ${path} get nodes`;
}

/**
 * The cluster's API from the controller, for day-2 work: the kubeconfig at ctx.kubeconfigFile,
 * masked, checked to be this inventory's cluster (its server is the control-plane endpoint).
 */
export function openClusterApi(ctx: StepContext): KubeClient {
  const file = ctx.kubeconfigFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw stepError(
      ctx,
      `no kubeconfig at ${file}: the cluster's playbook writes it before turning SSH off; ` +
        `\`podsec-play kubeconfig -i ${ctx.inventory.file} --write\` writes it again from the saved state, --kubeconfig FILE names another`,
    );
  }
  let parsed: ParsedKubeconfig;
  try {
    parsed = parseKubeconfig(text, file);
  } catch (err) {
    throw stepError(ctx, (err as Error).message);
  }
  maskKubeconfig(ctx, parsed);
  const endpoint = apiEndpoint(ctx);
  if (parsed.endpoint !== endpoint) {
    throw stepError(
      ctx,
      `the kubeconfig ${file} is for ${parsed.server}, but cluster ${ctx.cluster.name}'s control-plane endpoint is ${endpoint}: ` +
        'it belongs to another cluster (give this cluster\'s with --kubeconfig FILE)',
    );
  }
  return connectKube(parsed, { signal: ctx.signal });
}

/** A KubeApiError as a step failure (retryable when the server may come back). */
export function apiStepError(ctx: Pick<StepContext, 'host'>, err: unknown, prefix = ''): Error {
  if (err instanceof KubeApiError) {
    if (err.kind === 'aborted') return new PlayError(err.message, { code: 'E_ABORTED', host: ctx.host.name });
    return stepError(ctx, `${prefix}${err.message}`, err.retryable);
  }
  return err as Error;
}
