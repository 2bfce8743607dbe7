// `kubeadm-join`: a control plane or worker joins through the podsec wrapper, once: skipped
// when joined (the wrapper wipes /etc/kubernetes), reset first after our own half-finished
// attempt. Like init, every join carries the cluster's U7S_KUBEVERSION and U7S_PLATFORM (and
// U7S_REGISTRY when the inventory names one): without them the wrapper picks the newest
// Kubernetes minor of its repository. Secrets reach kubeadm through the environment, never the
// logged command line. Material that expired while the run was stopped (token no longer listed
// on the master) is replaced by freshly minted material before the join. With `via: api` (sealed
// clusters) the master is never reached: the material is checked from the controller against the
// cluster's endpoint as kubeadm's discovery will check it (cluster-info signed for the token, CA
// pinned), replaced through the API when the token is gone, refused before the wrapper runs when
// the CA hash is wrong, and the token is deleted after the join; the U7S_* values come from the
// inventory, else the API (the control planes' kubelet version) and the joining node's own
// /etc/os-release (what the wrapper's podsec-get-platform would read there).
import { checkMaterial, clusterInfoAt, mintApiMaterial, openVerifiedApi, refuseControlPlane, revokeToken, tokenIdOf } from './lib/api-join.js';
import { apiEndpoint, isControlPlane, masterHost } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { isToken, normalizeCaHash, type JoinMaterial } from './lib/join-line.js';
import { joinArgv, joinEnv, MaterialError, mintJoinMaterial, TOKEN_LIST_COMMAND, tokenListed, unknownWrapperFlags } from './lib/kubeadm.js';
import { checkKubeadm, runKubeadmOnce } from './lib/kubeadm-run.js';
import { remoteFor } from './lib/remote.js';
import { KUBEADM_JOIN_CHECKS } from './lib/preflight-sets.js';
import { JOIN_STARTED, wrapperEnv } from './lib/u7s.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface KubeadmJoinWith {
  /** Default: the cluster's API endpoint. */
  endpoint?: string;
  /** `${{ steps.material.outputs.token }}` and friends; empty when join-material was skipped. */
  token?: string;
  caCertHash?: string;
  certificateKey?: string;
  /** Default: the host has role master or control-plane. */
  controlPlane?: boolean;
  /** Control planes: default the host's internalAddress. */
  advertiseAddress?: string;
  /** Where to check (and if need be re-mint) the material: default the first master. */
  master?: string;
  /** Check the token on the master before joining and mint fresh material when it is gone (default true). */
  refresh?: boolean;
  /** `master` (default): check and mint on the master over SSH; `api`: through the Kubernetes
   * API with the cluster's kubeconfig, never touching an existing node (workers only). */
  via?: 'master' | 'api';
  extraArgs?: string[];
}

export const kubeadmJoinStep = defineStep<KubeadmJoinWith>({
  kind: 'kubeadm-join',
  description: 'Join this node (control plane or worker) with the podsec kubeadm wrapper (once per node).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', pattern: '^$|^[A-Za-z0-9.-]+:[0-9]{1,5}$|^\\[[0-9A-Fa-f:]+\\]:[0-9]{1,5}$' },
      token: { type: 'string', pattern: '^$|^[a-z0-9]{6}\\.[a-z0-9]{16}$' },
      caCertHash: { type: 'string', pattern: '^$|^(sha256:)?[0-9a-f]{64}$' },
      certificateKey: { type: 'string', pattern: '^$|^[0-9a-f]{64}$' },
      controlPlane: { type: 'boolean' },
      advertiseAddress: { type: 'string', pattern: '^[0-9A-Fa-f.:]+$' },
      master: { type: 'string', minLength: 1 },
      refresh: { type: 'boolean' },
      via: { enum: ['master', 'api'] },
      extraArgs: { type: 'array', items: { type: 'string' } },
    },
  },
  outputs: () => [{ name: 'joined', secret: false }],
  title: (w) => `kubeadm join${w.controlPlane ? ' --control-plane' : ''}${w.via === 'api' ? ' (material checked through the API)' : ''}`,
  // The master, to check and mint material on, unless the material comes through the API.
  sshPeers: (w, where) => (w.via === 'api' || w.refresh === false || (typeof w.master === 'string' && w.master.includes('${{')) ? [] : [masterHost(where, w.master).name]),
  preflight: KUBEADM_JOIN_CHECKS,
  async check(ctx) {
    const c = await checkKubeadm(ctx, 'join');
    return c.done ? { done: true, ...(c.reason === undefined ? {} : { reason: c.reason }), outputs: { joined: 'true' } } : { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    for (const s of [w.token, w.caCertHash, w.certificateKey]) if (s) ctx.secret(s);
    if ((await checkKubeadm(ctx, 'join')).done) return { joined: 'true' };
    const garbling = unknownWrapperFlags(w.extraArgs ?? []);
    if (garbling.length > 0) {
      throw stepError(ctx, `extraArgs ${garbling.join(' ')}: not in the podsec wrapper's option table (usernetes/env/u7s_flags); the wrapper would garble its arguments`);
    }
    const controlPlane = w.controlPlane ?? isControlPlane(ctx.host);
    if (w.via === 'api') return joinViaApi(ctx, w, controlPlane);
    const u7s = await wrapperEnv(ctx, {}, { fromMaster: true });
    const material = await usableMaterial(ctx, w, controlPlane);
    await runKubeadmOnce(ctx, {
      op: 'join',
      argv: joinArgv({
        endpoint: material.endpoint,
        controlPlane,
        ...(controlPlane ? { advertiseAddress: w.advertiseAddress ?? ctx.host.internalAddress } : {}),
        ...(w.extraArgs ? { extraArgs: w.extraArgs } : {}),
      }),
      env: { ...u7s, ...joinEnv(material) },
      marker: JOIN_STARTED,
    });
    return { joined: 'true' };
  },
});

/** `via: api`: material checked (and if need be replaced) through the API, the join, the token deleted. */
async function joinViaApi(ctx: StepContext, w: KubeadmJoinWith, controlPlane: boolean): Promise<Record<string, string>> {
  refuseControlPlane(ctx, controlPlane);
  const given = fromWith(ctx, w, false);
  const info = await clusterInfoAt(ctx, given?.endpoint ?? apiEndpoint(ctx));
  let material = given;
  if (material && checkMaterial(ctx, material, info) === 'token') {
    if (w.refresh === false) {
      throw stepError(
        ctx,
        `bootstrap token ${tokenIdOf(material.token)} is not valid at ${info.endpoint} (expired or deleted): kube-public/cluster-info carries no signature for it. ` +
          `Nothing was changed on ${ctx.host.name}.`,
      );
    }
    ctx.log(`bootstrap token ${tokenIdOf(material.token)} is no longer valid at ${info.endpoint} (expired or deleted): minting a fresh one through the API`);
    material = undefined;
  }
  if (!material && w.refresh === false) throw stepError(ctx, 'kubeadm join needs token and caCertHash (from bootstrap-token) or refresh: true');
  const api = await openVerifiedApi(ctx, info);
  const u7s = await wrapperEnv(ctx, {}, { fromMaster: false, api });
  material ??= await mintApiMaterial(ctx, api, info, 15 * 60_000);
  await runKubeadmOnce(ctx, {
    op: 'join',
    argv: joinArgv({ endpoint: material.endpoint, controlPlane: false, ...(w.extraArgs ? { extraArgs: w.extraArgs } : {}) }),
    // The cluster's U7S_* too: a join without them may pick another Kubernetes version (PODSEC-FACTS)
    env: { ...u7s, ...joinEnv(material) },
    marker: JOIN_STARTED,
  });
  await revokeToken(ctx, api, material.token);
  return { joined: 'true' };
}

/** The material from `with:` when it is complete and (refresh) still known to the master,
 * else fresh material minted on the master. */
async function usableMaterial(ctx: StepContext, w: KubeadmJoinWith, controlPlane: boolean): Promise<JoinMaterial> {
  const given = fromWith(ctx, w, controlPlane);
  const refresh = w.refresh ?? true;
  if (given && !refresh) return given;
  if (!given && !refresh) {
    throw stepError(ctx, `kubeadm join needs token, caCertHash${controlPlane ? ' and certificateKey' : ''} (from join-material) or refresh: true`);
  }
  const master = masterHost(ctx, w.master);
  const remote = await remoteFor(ctx, master.name);
  if (given) {
    const list = await remote.exec(TOKEN_LIST_COMMAND);
    const listed = list.exitCode === 0 ? tokenListed(list.stdout, given.token) : undefined;
    if (listed !== false) return given;
    ctx.log(`the join token is no longer known to ${master.name} (expired while the run was stopped): minting fresh material`);
  }
  try {
    return await mintJoinMaterial(remote, { controlPlane, ttl: '1h' });
  } catch (err) {
    if (err instanceof MaterialError) throw stepError(ctx, err.message, true);
    throw err;
  }
}

function fromWith(ctx: StepContext, w: KubeadmJoinWith, controlPlane: boolean): JoinMaterial | undefined {
  const caCertHash = w.caCertHash ? normalizeCaHash(w.caCertHash) : undefined;
  if (!w.token || !isToken(w.token) || !caCertHash) return undefined;
  if (controlPlane && !w.certificateKey) return undefined;
  const endpoint = w.endpoint && w.endpoint.length > 0 ? w.endpoint : apiEndpoint(ctx);
  return { endpoint, token: w.token, caCertHash, ...(controlPlane && w.certificateKey ? { certificateKey: w.certificateKey } : {}) };
}
