// `fetch-kubeconfig`: the admin's door before SSH closes. On the master: read
// /etc/kubernetes/admin.conf (SFTP, never printed), point it at the control-plane endpoint (the
// VIP in HA), prove the API answers with it through that endpoint from the controller, then
// write it on the controller with mode 0600 (ctx.kubeconfigFile: --kubeconfig, the inventory's
// cluster.kubeconfig, or NAME.kubeconfig beside the inventory). The seal comes after this, in a
// later phase: a run that cannot hand over the kubeconfig never turns SSH off. The state keeps
// the file's content (a secret output, 0600) so `podsec-play kubeconfig` can write it again.
import { readFileSync } from 'node:fs';
import { apiEndpoint } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { connectKube, KubeApiError, parseKubeconfig, type ParsedKubeconfig } from './lib/kube-api-client.js';
import { adminKubeconfigFor, apiStepError, kubeconfigNote, maskKubeconfig, writeKubeconfigFile } from './lib/kubeconfig-file.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface FetchKubeconfigWith {
  /** The kubeconfig on the master (default /etc/kubernetes/admin.conf). */
  source?: string;
  /** host:port the kubeconfig points at (default: the control-plane endpoint). */
  server?: string;
}

export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

export const fetchKubeconfigStep = defineStep<FetchKubeconfigWith>({
  kind: 'fetch-kubeconfig',
  description: "Fetch the master's admin.conf, check the API answers with it through the control-plane endpoint, and write it on the controller (0600).",
  // The admin's way in once SSH is off: no host is sealed before this has succeeded.
  beforeSeal: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      source: { type: 'string', pattern: '^/' },
      server: { type: 'string', pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$|^\\[[0-9A-Fa-f:]+\\]:[0-9]{1,5}$' },
    },
  },
  outputs: () => [
    { name: 'path', secret: false },
    { name: 'server', secret: false },
    // base64 of the file: `podsec-play kubeconfig` writes it again from the state (0600)
    { name: 'kubeconfig', secret: true },
  ],
  title: () => 'admin kubeconfig to the controller',
  // Already there and working (a resumed or repeated run): nothing to fetch.
  async check(ctx, w) {
    const existing = readExisting(ctx);
    if (!existing) return { done: false };
    const server = `https://${w.server ?? apiEndpoint(ctx)}`;
    if (existing.parsed.server !== server) return { done: false };
    try {
      await proveApi(existing.parsed, ctx);
    } catch {
      return { done: false };
    }
    ctx.note(kubeconfigNote(ctx.kubeconfigFile, ctx.cluster.name));
    return { done: true, reason: `${ctx.kubeconfigFile} works against ${server}`, outputs: outputsFor(ctx, existing.text, server) };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const source = w.source ?? ADMIN_CONF;
    const server = `https://${w.server ?? apiEndpoint(ctx)}`;
    const raw = (await ctx.download(source)).toString('utf8');
    let fetched: ParsedKubeconfig;
    try {
      fetched = parseKubeconfig(raw, `${source} on ${ctx.host.name}`);
    } catch (err) {
      throw stepError(ctx, (err as Error).message);
    }
    maskKubeconfig(ctx, fetched);
    let text: string;
    try {
      text = adminKubeconfigFor(raw, { server, cluster: ctx.cluster.name });
    } catch (err) {
      throw stepError(ctx, `${source} on ${ctx.host.name}: ${(err as Error).message}`);
    }
    const parsed = parseKubeconfig(text, ctx.kubeconfigFile);
    const version = await proveApi(parsed, ctx);
    const { replaced } = writeKubeconfigFile(ctx.kubeconfigFile, text);
    ctx.log(`API ${version} answers at ${server} with the admin kubeconfig; written to ${ctx.kubeconfigFile}${replaced ? ` (the earlier file is kept as ${ctx.kubeconfigFile}.previous)` : ''}`);
    ctx.note(kubeconfigNote(ctx.kubeconfigFile, ctx.cluster.name));
    return outputsFor(ctx, text, server);
  },
});

function outputsFor(ctx: StepContext, text: string, server: string): Record<string, string> {
  return { path: ctx.kubeconfigFile, server, kubeconfig: Buffer.from(text).toString('base64') };
}

function readExisting(ctx: StepContext): { text: string; parsed: ParsedKubeconfig } | undefined {
  try {
    const text = readFileSync(ctx.kubeconfigFile, 'utf8');
    const parsed = parseKubeconfig(text, ctx.kubeconfigFile);
    maskKubeconfig(ctx, parsed);
    return { text, parsed };
  } catch {
    return undefined;
  }
}

/** The API answers through the endpoint with these credentials, and lists nodes: its version. */
async function proveApi(parsed: ParsedKubeconfig, ctx: StepContext): Promise<string> {
  const api = connectKube(parsed, { signal: ctx.signal, timeoutMs: 10_000 });
  try {
    const version = await api.version();
    await api.listNodes();
    return version;
  } catch (err) {
    if (err instanceof KubeApiError && err.kind === 'tls') {
      throw stepError(ctx, `the master's admin.conf does not work through ${parsed.server}: ${err.message}. Is the endpoint this cluster's API (its serving certificate names it)? SSH left on.`);
    }
    throw apiStepError(ctx, err, 'the admin kubeconfig does not work yet: ');
  }
}
