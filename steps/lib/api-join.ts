// Join material through the Kubernetes API, for clusters whose nodes have no SSH: a bootstrap
// token stored as kubeadm stores it (short-lived, deleted after the join), the CA hash taken
// from the kubeconfig's CA — and every piece checked from the controller exactly as kubeadm's
// discovery will check it on the node (kube-public/cluster-info signed for the token, its CA
// matching the pin), so bad material fails with a clear message before the podsec wrapper, which
// wipes /etc/kubernetes first, runs on the new node.
import type { StepContext } from '../../engine/step-kind.js';
import { apiEndpoint, isControlPlane } from './cluster-hosts.js';
import { stepError } from './fail.js';
import { poll } from './poll.js';
import type { JoinMaterial } from './join-line.js';
import { KubeApiError, readClusterInfo, tokenSigns, type ClusterInfo, type KubeClient } from './kube-api-client.js';
import { apiStepError, openClusterApi } from './kubeconfig-file.js';

/** Why a control plane cannot join a sealed cluster through the API alone (README: After the seal). */
export const CONTROL_PLANE_VIA_API =
  'a control plane joins with the cluster certificates that `kubeadm init phase upload-certs` encrypts into the ' +
  'kube-system/kubeadm-certs Secret; that command reads the CA and service-account keys from a running control ' +
  "plane's disk, which only SSH (or a console) reaches once the cluster is sealed. Join control planes before the " +
  'seal (ha-cluster.yaml), or with --keep-ssh; only workers join a sealed cluster';

/** Refuse a control plane before anything is minted or changed. */
export function refuseControlPlane(ctx: StepContext, controlPlane = isControlPlane(ctx.host)): void {
  if (controlPlane) throw stepError(ctx, `${ctx.host.name} cannot join as a control plane through the API: ${CONTROL_PLANE_VIA_API}`);
}

/** cluster-info at the cluster's endpoint, read as a joining node reads it (retryable when unreachable). */
export async function clusterInfoAt(ctx: StepContext, endpoint = apiEndpoint(ctx)): Promise<ClusterInfo> {
  try {
    return await readClusterInfo(endpoint, { signal: ctx.signal });
  } catch (err) {
    throw apiStepError(ctx, err, 'cannot read the join information: ');
  }
}

/**
 * The cluster API from the kubeconfig, proven to be this cluster's: its CA must be the CA the
 * control-plane endpoint serves in cluster-info (a kubeconfig of another cluster is refused
 * here, before anything is minted or changed).
 */
export async function openVerifiedApi(ctx: StepContext, info: ClusterInfo): Promise<KubeClient> {
  const api = openClusterApi(ctx);
  const mine = api.config.caCertHash;
  if (!mine || mine !== info.caCertHash) {
    throw stepError(
      ctx,
      `the kubeconfig ${ctx.kubeconfigFile} is not cluster ${ctx.cluster.name}'s: its CA is not the CA the API at ${info.endpoint} serves. ` +
        `Nothing was changed on ${ctx.host.name}. Use the kubeconfig this cluster's playbook wrote (--kubeconfig FILE).`,
    );
  }
  return api;
}

export interface ApiMaterial extends JoinMaterial {
  tokenId: string;
}

/** A fresh bootstrap token for this node, checked to sign cluster-info (the bootstrap signer may
 * take a moment on a real cluster). */
export async function mintApiMaterial(ctx: StepContext, api: KubeClient, info: ClusterInfo, ttlMs: number): Promise<ApiMaterial> {
  let made;
  try {
    made = await api.createBootstrapToken(ttlMs, `podsec-play: join ${ctx.host.name}`);
  } catch (err) {
    throw apiStepError(ctx, err, 'cannot create a bootstrap token: ');
  }
  ctx.secret(made.token);
  const signed = await poll(async () => (tokenSigns(await clusterInfoAt(ctx, info.endpoint), made.token) ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 500,
    signal: ctx.signal,
  });
  if (!signed) throw stepError(ctx, `bootstrap token ${made.id} does not sign kube-public/cluster-info at ${info.endpoint} after 30 s (is the bootstrap signer running?)`, true);
  ctx.log(`bootstrap token ${made.id} created through the API for ${ctx.host.name}, expiring ${made.expires} (cluster time)`);
  return { endpoint: info.endpoint, token: made.token, tokenId: made.id, caCertHash: info.caCertHash };
}

export type MaterialProblem = 'ok' | 'token';

/**
 * Check given material against what the endpoint serves: a wrong CA hash is always an error
 * (the wrong cluster, or someone in between); an unknown, expired or deleted token is
 * reported as 'token' for the caller to replace or refuse.
 */
export function checkMaterial(ctx: StepContext, m: JoinMaterial, info: ClusterInfo): MaterialProblem {
  if (m.caCertHash !== info.caCertHash) {
    throw stepError(
      ctx,
      `the CA hash given for the join does not match the CA the API at ${info.endpoint} serves: it is another cluster's, or someone is in between. ` +
        `Nothing was changed on ${ctx.host.name}.`,
    );
  }
  return tokenSigns(info, m.token) ? 'ok' : 'token';
}

/** The bootstrap token's id (`abcdef` of `abcdef.0123456789abcdef`): not a secret. */
export function tokenIdOf(token: string): string {
  return token.split('.')[0] ?? '';
}

/** Delete a used token's Secret; a failure is only logged (the token expires by itself). */
export async function revokeToken(ctx: StepContext, api: KubeClient, token: string): Promise<void> {
  const id = tokenIdOf(token);
  try {
    const deleted = await api.deleteBootstrapToken(id);
    ctx.log(deleted ? `bootstrap token ${id} deleted after the join` : `bootstrap token ${id} was gone already`);
  } catch (err) {
    ctx.log(`could not delete bootstrap token ${id} (it expires by itself): ${err instanceof KubeApiError ? err.message : String(err)}`);
  }
}
