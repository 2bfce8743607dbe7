// `bootstrap-token`: join material for this node minted through the Kubernetes API with the
// cluster's kubeconfig — no SSH on any cluster node, so it works on a sealed cluster. Before
// anything is minted the kubeconfig is proven to be this cluster's (its CA is the one the
// control-plane endpoint serves); the token is short-lived (default 15 min) and the join deletes
// it; the CA hash comes from the kubeconfig's CA. A node that has joined already gets nothing.
// Workers only: a control plane needs certificates only kubeadm on a control plane can upload.
import { apiEndpoint } from './lib/cluster-hosts.js';
import { clusterInfoAt, mintApiMaterial, openVerifiedApi, refuseControlPlane } from './lib/api-join.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { checkKubeadm } from './lib/kubeadm-run.js';
import { defineStep } from '../engine/step-kind.js';

export interface BootstrapTokenWith {
  /** How long the token lives (default 15m): long enough for the join, short if it leaks. */
  ttl?: string;
}

export const bootstrapTokenStep = defineStep<BootstrapTokenWith>({
  kind: 'bootstrap-token',
  description: "Mint a short-lived bootstrap token for this node through the Kubernetes API (the cluster's kubeconfig; no SSH on cluster nodes).",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { ttl: DURATION_SCHEMA },
  },
  outputs: () => [
    { name: 'endpoint', secret: false },
    { name: 'token', secret: true },
    { name: 'tokenId', secret: false },
    { name: 'caCertHash', secret: true },
  ],
  title: () => 'bootstrap token through the API',
  async check(ctx) {
    const c = await checkKubeadm(ctx, 'join');
    if (!c.done) return { done: false };
    return { done: true, reason: `${ctx.host.name} has joined already: nothing to mint`, outputs: { endpoint: apiEndpoint(ctx), token: '', tokenId: '', caCertHash: '' } };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    refuseControlPlane(ctx);
    const info = await clusterInfoAt(ctx);
    const api = await openVerifiedApi(ctx, info);
    const m = await mintApiMaterial(ctx, api, info, parseDuration(w.ttl, '15m'));
    return { endpoint: m.endpoint, token: m.token, tokenId: m.tokenId, caCertHash: m.caCertHash };
  },
});
