// The controller's one way to talk to a cluster: the Kubernetes API through the cluster's
// kubeconfig, with @kubernetes/client-node (pinned). Used once the kubeconfig is out — the check
// that it works, day-2 on a sealed cluster (bootstrap tokens, draining and deleting nodes),
// readiness — by steps and by the CLI alike: it imports nothing of the engine. Every failure is a
// KubeApiError whose `kind` says what went wrong (unreachable, TLS, unauthorized, …) and whose
// message names the server and never carries a credential.
import { createHash, createHmac, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { ApiException, CoreV1Api, Health, KubeConfig, Observable, PatchStrategy, VersionApi, type ConfigurationOptions, type ObservableMiddleware, type RequestContext, type ResponseContext, type V1Node, type V1Secret } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { NodeStatus } from './kubectl.js';

export type KubeApiErrorKind =
  | 'kubeconfig' // not a usable kubeconfig
  | 'unreachable' // refused, reset, no route, DNS
  | 'timeout'
  | 'tls' // the server's certificate is not the kubeconfig's CA's (another cluster?)
  | 'unauthorized' // 401: the credentials are unknown or expired
  | 'forbidden' // 403
  | 'not-found'
  | 'conflict'
  | 'invalid' // 4xx the request was wrong
  | 'server' // 5xx or an answer that makes no sense
  | 'aborted';

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly kind: KubeApiErrorKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** Worth another attempt: the server may come back; bad credentials or another cluster won't. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || this.kind === 'server';
  }
}

export interface ParsedKubeconfig {
  /** The current context's server URL (`https://host:port`). */
  server: string;
  /** `host:port` of the server. */
  endpoint: string;
  /** The cluster CA (PEM), when the kubeconfig carries one. */
  caPem: string | undefined;
  /** sha256:<hex> of the CA's public key: kubeadm's --discovery-token-ca-cert-hash. */
  caCertHash: string | undefined;
  user: string;
  /** Credential values to register as secrets (key data, certificate data, tokens, passwords). */
  secrets: string[];
  kc: KubeConfig;
}

/** kubeadm's CA pin: sha256 over the certificate's DER SubjectPublicKeyInfo. */
export function caCertHashOf(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function decoded(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** Parse kubeconfig text (`source` names it in messages: a file or "admin.conf on cp-1"). */
export function parseKubeconfig(text: string, source: string): ParsedKubeconfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new KubeApiError(`${source} is not a kubeconfig: ${(err as Error).message.split('\n')[0]}`, 'kubeconfig');
  }
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster?.server) throw new KubeApiError(`${source} names no server in its current context`, 'kubeconfig');
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubeApiError(`${source}: server "${cluster.server}" is not a URL`, 'kubeconfig');
  }
  if (url.protocol !== 'https:') throw new KubeApiError(`${source}: server ${cluster.server} is not https`, 'kubeconfig');
  const caPem = decoded(cluster.caData);
  let caCertHash: string | undefined;
  if (caPem) {
    try {
      caCertHash = caCertHashOf(caPem);
    } catch {
      throw new KubeApiError(`${source}: certificate-authority-data is not a certificate`, 'kubeconfig');
    }
  }
  const secrets = [user?.keyData, decoded(user?.keyData), user?.certData, user?.token, user?.password].filter((s): s is string => typeof s === 'string' && s.length > 0);
  return { server: cluster.server, endpoint: url.host, caPem, caCertHash, user: user?.name ?? '', secrets, kc };
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per request (default 15 s). */
  timeoutMs?: number;
}

/** Client-node middleware (its object API takes the observable kind): our abort signal and
 * deadline on every request, and the server's Date header remembered (the cluster's clock, which
 * dates bootstrap tokens). */
function requestOptions(o: CallOptions, onDate: (d: number) => void, extra: ObservableMiddleware[] = []): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      const deadline = AbortSignal.timeout(o.timeoutMs ?? 15_000);
      ctx.setSignal(o.signal ? AbortSignal.any([o.signal, deadline]) : deadline);
      return new Observable(Promise.resolve(ctx));
    },
    post: (resp: ResponseContext) => {
      const d = Date.parse(resp.headers['date'] ?? '');
      if (!Number.isNaN(d)) onDate(d);
      return new Observable(Promise.resolve(resp));
    },
  };
  return { middleware: [middleware, ...extra], middlewareMergeStrategy: 'append' };
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Any failure of a call as a KubeApiError that says what happened at `server`. */
export function describeFailure(err: unknown, server: string, what: string, signal?: AbortSignal): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const status = err.code;
    let reason = '';
    try {
      const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string } | undefined;
      reason = body?.message ?? '';
    } catch {
      reason = '';
    }
    const tail = reason ? `: ${reason}` : '';
    if (status === 401) return new KubeApiError(`${server} refused the kubeconfig's credentials (401 Unauthorized) while trying to ${what}: they are unknown to this cluster or expired`, 'unauthorized', 401);
    if (status === 403) return new KubeApiError(`${server} does not allow the kubeconfig's user to ${what} (403 Forbidden)${tail}`, 'forbidden', 403);
    if (status === 404) return new KubeApiError(`${server}: not found while trying to ${what}${tail}`, 'not-found', 404);
    if (status === 409) return new KubeApiError(`${server}: conflict while trying to ${what}${tail}`, 'conflict', 409);
    if (status >= 500) return new KubeApiError(`${server} failed to ${what} (${status})${tail}`, 'server', status);
    return new KubeApiError(`${server} rejected the request to ${what} (${status})${tail}`, 'invalid', status);
  }
  const e = err as { name?: string; code?: string; errno?: string; message?: string; type?: string };
  const code = e.code ?? e.errno ?? '';
  if (signal?.aborted) return new KubeApiError(`stopped while trying to ${what} at ${server}`, 'aborted');
  if (e.name === 'AbortError' || e.type === 'aborted' || code === 'ABORT_ERR') return new KubeApiError(`${server} did not answer in time while trying to ${what}`, 'timeout');
  if (TLS_CODES.has(code) || /certificate|self.signed|altname/i.test(e.message ?? '')) {
    return new KubeApiError(
      `${server}'s TLS certificate is not signed by the kubeconfig's CA (${code || 'certificate check failed'}) while trying to ${what}: the kubeconfig belongs to another cluster, or the server is not the cluster's API`,
      'tls',
    );
  }
  const detail = code || (e.message ?? String(err)).split('\n')[0];
  return new KubeApiError(`${server} cannot be reached to ${what} (${detail})`, 'unreachable');
}

export interface BootstrapToken {
  /** `abcdef.0123456789abcdef`: a secret. */
  token: string;
  id: string;
  /** When it expires, by the cluster's clock (ISO 8601). */
  expires: string;
}

/** Every Kubernetes call podsec-play makes from the controller. */
export class KubeClient {
  /** The cluster's clock minus ours, learnt from the Date header of its answers. */
  private skewMs = 0;
  private readonly core: CoreV1Api;
  private readonly version_: VersionApi;

  constructor(
    readonly config: ParsedKubeconfig,
    private readonly options: CallOptions = {},
  ) {
    this.core = config.kc.makeApiClient(CoreV1Api);
    this.version_ = config.kc.makeApiClient(VersionApi);
  }

  get server(): string {
    return this.config.server;
  }

  private async call<T>(what: string, fn: (opts: ConfigurationOptions) => Promise<T>, extra: ObservableMiddleware[] = []): Promise<T> {
    const opts = requestOptions(this.options, (d) => (this.skewMs = d - Date.now()), extra);
    try {
      return await fn(opts);
    } catch (err) {
      throw describeFailure(err, this.server, what, this.options.signal);
    }
  }

  /** The server's version (and proof that it answers and trusts the credentials). */
  async version(): Promise<string> {
    const v = await this.call('read the server version', (o) => this.version_.getCode(o));
    return v.gitVersion;
  }

  /** Does the API server say it is ready (/readyz, as a load balancer's health check asks)? */
  async readyz(): Promise<boolean> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, deadline]) : deadline;
    try {
      return await new Health(this.config.kc).readyz({ signal } as Parameters<Health['readyz']>[0]);
    } catch (err) {
      throw describeFailure(err, this.server, 'ask /readyz', this.options.signal);
    }
  }

  async listNodes(): Promise<V1Node[]> {
    const list = await this.call('list nodes', (o) => this.core.listNode({}, o));
    return list.items;
  }

  /** Node names with their Ready condition. */
  async nodeStatuses(): Promise<NodeStatus[]> {
    return (await this.listNodes()).map((n) => ({
      name: n.metadata?.name ?? '',
      ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    }));
  }

  async getNode(name: string): Promise<V1Node | undefined> {
    try {
      return await this.call(`read node ${name}`, (o) => this.core.readNode({ name }, o));
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  /** Mark a node unschedulable (kubectl cordon). */
  async cordon(name: string): Promise<void> {
    await this.call(`cordon node ${name}`, (o) => this.core.patchNode({ name, body: { spec: { unschedulable: true } } }, o), [contentType(PatchStrategy.StrategicMergePatch)]);
  }

  /** Pods bound to a node (what a drain must move). */
  async podsOn(node: string): Promise<{ namespace: string; name: string; daemonSet: boolean; mirror: boolean }[]> {
    const list = await this.call(`list the pods on ${node}`, (o) => this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }, o));
    return list.items.map((p) => ({
      namespace: p.metadata?.namespace ?? 'default',
      name: p.metadata?.name ?? '',
      daemonSet: (p.metadata?.ownerReferences ?? []).some((r) => r.kind === 'DaemonSet'),
      mirror: p.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined,
    }));
  }

  /** Evict a pod through the Eviction API (honours PodDisruptionBudgets, like kubectl drain). */
  async evict(namespace: string, name: string): Promise<void> {
    await this.call(`evict pod ${namespace}/${name}`, (o) =>
      this.core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } }, o),
    );
  }

  /** Delete the Node object; false when there was none. */
  async deleteNode(name: string): Promise<boolean> {
    try {
      await this.call(`delete node ${name}`, (o) => this.core.deleteNode({ name }, o));
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  /**
   * A new bootstrap token, stored as kubeadm stores it (Secret kube-system/bootstrap-token-ID,
   * usable for authentication and signing, group system:bootstrappers:kubeadm:default-node-token),
   * expiring `ttlMs` from now by the cluster's clock (learnt from an answer first, so a controller
   * whose clock is off does not make tokens already dead or living too long).
   */
  async createBootstrapToken(ttlMs: number, description: string): Promise<BootstrapToken> {
    await this.version();
    const id = randomToken(6);
    const secret = randomToken(16);
    const expires = new Date(Date.now() + this.skewMs + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: {
        'token-id': id,
        'token-secret': secret,
        expiration: expires,
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        description,
      },
    };
    await this.call('create a bootstrap token', (o) => this.core.createNamespacedSecret({ namespace: 'kube-system', body }, o));
    return { token: `${id}.${secret}`, id, expires };
  }

  /** Delete a bootstrap token's Secret; false when it was gone already (expired and cleaned). */
  async deleteBootstrapToken(id: string): Promise<boolean> {
    try {
      await this.call(`delete bootstrap token ${id}`, (o) => this.core.deleteNamespacedSecret({ name: `bootstrap-token-${id}`, namespace: 'kube-system' }, o));
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'not-found') return false;
      throw err;
    }
  }
}

function contentType(type: string): ObservableMiddleware {
  return {
    pre: (ctx: RequestContext) => {
      ctx.setHeaderParam('Content-Type', type);
      return new Observable(Promise.resolve(ctx));
    },
    post: (resp: ResponseContext) => new Observable(Promise.resolve(resp)),
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomToken(n: number): string {
  // 36 does not divide 256: reject the bytes that would bias the draw
  const out: string[] = [];
  while (out.length < n) for (const b of randomBytes(n * 2)) if (b < 252 && out.length < n) out.push(ALNUM[b % 36]!);
  return out.join('');
}

export function connectKube(config: ParsedKubeconfig, options: CallOptions = {}): KubeClient {
  return new KubeClient(config, options);
}

/** What kube-public/cluster-info says at an endpoint, read anonymously as a joining node does
 * (its certificate is not trusted yet: the CA pin decides afterwards). */
export interface ClusterInfo {
  endpoint: string;
  caPem: string;
  caCertHash: string;
  server: string;
  kubeconfig: string;
  /** token id → detached JWS over `kubeconfig`. */
  signatures: Record<string, string>;
}

export async function readClusterInfo(endpoint: string, options: CallOptions = {}): Promise<ClusterInfo> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'discovery', server: `https://${endpoint}`, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'discovery', cluster: 'discovery', user: 'anonymous' }],
    currentContext: 'discovery',
  });
  const core = kc.makeApiClient(CoreV1Api);
  let cm;
  try {
    cm = await core.readNamespacedConfigMap({ name: 'cluster-info', namespace: 'kube-public' }, requestOptions(options, () => undefined));
  } catch (err) {
    throw describeFailure(err, `https://${endpoint}`, 'read kube-public/cluster-info', options.signal);
  }
  const kubeconfig = cm.data?.['kubeconfig'];
  if (!kubeconfig) throw new KubeApiError(`https://${endpoint}: kube-public/cluster-info has no kubeconfig`, 'server');
  // kubeadm writes it with an unnamed cluster and no context, which KubeConfig refuses: read it as YAML
  let cluster: { server?: unknown; 'certificate-authority-data'?: unknown } | undefined;
  try {
    cluster = (parseYaml(kubeconfig) as { clusters?: { cluster?: typeof cluster }[] } | null)?.clusters?.[0]?.cluster;
  } catch {
    cluster = undefined;
  }
  const caPem = typeof cluster?.['certificate-authority-data'] === 'string' ? decoded(cluster['certificate-authority-data']) : undefined;
  let caCertHash: string;
  try {
    caCertHash = caCertHashOf(caPem ?? '');
  } catch {
    throw new KubeApiError(`https://${endpoint}: kube-public/cluster-info carries no CA certificate`, 'server');
  }
  const parsed = { caPem: caPem!, caCertHash, server: typeof cluster?.server === 'string' ? cluster.server : '' };
  const signatures: Record<string, string> = {};
  for (const [k, v] of Object.entries(cm.data ?? {})) if (k.startsWith('jws-kubeconfig-')) signatures[k.slice('jws-kubeconfig-'.length)] = v;
  return { endpoint, caPem: parsed.caPem, caCertHash: parsed.caCertHash, server: parsed.server, kubeconfig, signatures };
}

/** Does `info` carry a valid signature for `token` (kubeadm's check that the token is live)? */
export function tokenSigns(info: ClusterInfo, token: string): boolean {
  const [id, secret] = token.split('.');
  const jws = id ? info.signatures[id] : undefined;
  if (!jws || !secret) return false;
  const [header, payload, signature] = jws.split('.');
  if (header === undefined || payload !== '' || signature === undefined) return false;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    return false;
  }
  if (alg !== 'HS256') return false;
  const expected = createHmac('sha256', secret).update(`${header}.${Buffer.from(info.kubeconfig).toString('base64url')}`).digest();
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
