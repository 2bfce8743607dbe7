// `kubeadm-init`: the first control plane, through the podsec wrapper
// (`export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; kubeadm init …` with the cluster's
// U7S_KUBEVERSION, U7S_PLATFORM and U7S_REGISTRY; only flags of the wrapper's option table). Never
// re-run on an initialised node (the wrapper wipes /etc/kubernetes); a half-finished attempt of
// ours is reset first. The first master's wrapper applies flannel itself. Outputs the join
// material its output printed (token, CA hash and certificate key are secret).
import { apiEndpoint, splitHostPort } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { parseJoinCommand, type JoinMaterial } from './lib/join-line.js';
import { initArgv, JOIN_OUTPUTS, MaterialError, mintJoinMaterial, unknownWrapperFlags } from './lib/kubeadm.js';
import { checkKubeadm, runKubeadmOnce } from './lib/kubeadm-run.js';
import { selfQuiet } from './lib/remote.js';
import { KUBEADM_INIT_CHECKS } from './lib/preflight-sets.js';
import { INIT_STARTED, wrapperEnv } from './lib/u7s.js';
import { PLATFORM_PATTERN } from './lib/platform.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface KubeadmInitWith {
  /** `VIP:8443` (default: cluster.controlPlaneEndpoint; none for a single master). */
  controlPlaneEndpoint?: string;
  /** Default with an endpoint: the host's internalAddress. */
  advertiseAddress?: string;
  /** Default: true with an endpoint (HA). */
  uploadCerts?: boolean;
  /** Overrides of the cluster's U7S_* values. */
  kubeVersion?: string;
  registry?: string;
  platform?: string;
  extraArgs?: string[];
}

const KUBE_VERSION = '^v1\\.(2[6-9]|[3-9][0-9])\\.[0-9]+$';
const ENDPOINT = '^[A-Za-z0-9.-]+:[0-9]{1,5}$|^\\[[0-9A-Fa-f:]+\\]:[0-9]{1,5}$';

export const kubeadmInitStep = defineStep<KubeadmInitWith>({
  kind: 'kubeadm-init',
  description: 'Initialise the first control plane with the podsec kubeadm wrapper (once per cluster).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      controlPlaneEndpoint: { type: 'string', pattern: ENDPOINT },
      advertiseAddress: { type: 'string', pattern: '^[0-9A-Fa-f.:]+$' },
      uploadCerts: { type: 'boolean' },
      kubeVersion: { type: 'string', pattern: KUBE_VERSION },
      registry: { type: 'string', pattern: '^[A-Za-z0-9.:/-]*$' },
      platform: { type: 'string', pattern: PLATFORM_PATTERN },
      extraArgs: { type: 'array', items: { type: 'string', pattern: '^--[a-z0-9-]+(=.*)?$|^[^-].*$' } },
    },
  },
  outputs: () => JOIN_OUTPUTS,
  title: (w) => `kubeadm init${w.controlPlaneEndpoint ? ` (HA, ${w.controlPlaneEndpoint})` : ''}`,
  preflight: KUBEADM_INIT_CHECKS,
  async check(ctx, w) {
    const c = await checkKubeadm(ctx, 'init');
    if (!c.done) return { done: false };
    return { done: true, ...(c.reason === undefined ? {} : { reason: c.reason }), outputs: { endpoint: endpointOf(ctx, w) } };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const garbling = unknownWrapperFlags(w.extraArgs ?? []);
    if (garbling.length > 0) {
      throw stepError(ctx, `extraArgs ${garbling.join(' ')}: not in the podsec wrapper's option table (usernetes/env/u7s_flags); the wrapper would garble its arguments`);
    }
    const env = await wrapperEnv(ctx, { ...(w.kubeVersion === undefined ? {} : { kubeVersion: w.kubeVersion }), ...(w.registry === undefined ? {} : { registry: w.registry }), ...(w.platform === undefined ? {} : { platform: w.platform }) }, { fromMaster: false });
    const endpoint = w.controlPlaneEndpoint ?? nonEmpty(ctx.cluster.controlPlaneEndpoint);
    const ha = endpoint !== undefined;
    if (ha && splitHostPort(endpoint).host === (w.advertiseAddress ?? ctx.host.internalAddress)) {
      throw stepError(ctx, `the control-plane endpoint ${endpoint} is this node's own address: podsec needs the VIP (an address other than the advertise address)`);
    }
    const argv = initArgv({
      ...(ha ? { advertiseAddress: w.advertiseAddress ?? ctx.host.internalAddress, controlPlaneEndpoint: endpoint } : {}),
      ...(w.advertiseAddress !== undefined && !ha ? { advertiseAddress: w.advertiseAddress } : {}),
      uploadCerts: w.uploadCerts ?? ha,
      ...(w.extraArgs ? { extraArgs: w.extraArgs } : {}),
    });
    const stdout = await runKubeadmOnce(ctx, { op: 'init', argv, env, marker: INIT_STARTED });
    if (stdout === undefined) return { endpoint: endpointOf(ctx, w) };
    const material = parseJoinCommand(stdout) ?? (await mintAfterInit(ctx));
    return {
      endpoint: material.endpoint,
      token: material.token,
      caCertHash: material.caCertHash,
      certificateKey: material.certificateKey ?? '',
    };
  },
});

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.length > 0 ? v : undefined;
}

function endpointOf(ctx: StepContext, w: KubeadmInitWith): string {
  return w.controlPlaneEndpoint ?? apiEndpoint(ctx);
}

/** The init went through but printed no join line we recognise: mint material on this node
 * instead of failing a step that must not run again. */
async function mintAfterInit(ctx: StepContext): Promise<JoinMaterial> {
  ctx.log('kubeadm init printed no join command: minting a token and certificate key instead');
  try {
    return await mintJoinMaterial(selfQuiet(ctx), { controlPlane: true, ttl: '24h' });
  } catch (err) {
    if (err instanceof MaterialError) throw stepError(ctx, err.message, true);
    throw err;
  }
}
