// `join-material`: fresh join material minted on the master just before a node joins (a token
// with a short TTL, and for control planes a freshly uploaded certificate key), so a run
// resumed hours later still joins. Minted with the native /usr/bin/kubeadm, as podsec's
// INSTALL.md does: the podsec wrapper would run apt, garble --print-join-command and --ttl, and
// take `init phase upload-certs` for a full init. Runs in the joining node's sequence; skipped
// (nothing minted) when that node has joined already.
import { apiEndpoint, isControlPlane, masterHost } from './lib/cluster-hosts.js';
import { DURATION_SCHEMA } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { JOIN_OUTPUTS, MaterialError, mintJoinMaterial } from './lib/kubeadm.js';
import { checkKubeadm } from './lib/kubeadm-run.js';
import { remoteFor } from './lib/remote.js';
import { defineStep } from '../engine/step-kind.js';

export interface JoinMaterialWith {
  /** The master to mint on (default: the first host with role master). */
  master?: string;
  /** Mint a certificate key too (default: this host is a control plane). */
  controlPlane?: boolean;
  /** Bootstrap token lifetime (default 1h; the certificate key always lives 2 h). */
  ttl?: string;
}

export const joinMaterialStep = defineStep<JoinMaterialWith>({
  kind: 'join-material',
  description: "Mint a fresh join token (and certificate key for control planes) on the master for this node.",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      master: { type: 'string', minLength: 1 },
      controlPlane: { type: 'boolean' },
      ttl: DURATION_SCHEMA,
    },
  },
  outputs: () => JOIN_OUTPUTS,
  title: (w) => `join material from ${w.master ?? 'the master'}`,
  sshPeers: (w, where) => (typeof w.master === 'string' && w.master.includes('${{') ? [] : [masterHost(where, w.master).name]),
  async check(ctx) {
    const c = await checkKubeadm(ctx, 'join');
    if (!c.done) return { done: false };
    // Empty material: kubeadm-join skips on the same check and never reads it.
    return {
      done: true,
      reason: `${ctx.host.name} has joined already: nothing to mint`,
      outputs: { endpoint: apiEndpoint(ctx), token: '', caCertHash: '', certificateKey: '' },
    };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const master = masterHost(ctx, w.master);
    const controlPlane = w.controlPlane ?? isControlPlane(ctx.host);
    const remote = await remoteFor(ctx, master.name);
    try {
      const m = await mintJoinMaterial(remote, { controlPlane, ttl: w.ttl ?? '1h' });
      ctx.log(`minted a join token${controlPlane ? ' and certificate key' : ''} on ${master.name} for ${ctx.host.name}`);
      return { endpoint: m.endpoint, token: m.token, caCertHash: m.caCertHash, certificateKey: m.certificateKey ?? '' };
    } catch (err) {
      if (err instanceof MaterialError) throw stepError(ctx, err.message, true);
      throw err;
    }
  },
});
