// `drain-node`: the first half of taking a node out, through the Kubernetes API alone (the
// node's SSH may be off): cordon it, evict every pod a controller would recreate elsewhere
// (DaemonSet pods and static pods stay, as `kubectl drain --ignore-daemonsets` leaves them), and
// wait until they are gone. Control planes are refused: their etcd member cannot leave through
// the API. A node no longer in the cluster is done already.
import { nodeName } from './lib/cluster-hosts.js';
import { clusterInfoAt, openVerifiedApi } from './lib/api-join.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { apiStepError } from './lib/kubeconfig-file.js';
import { poll } from './lib/poll.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';
import type { KubeClient } from './lib/kube-api-client.js';

export interface DrainNodeWith {
  /** How long evicted pods may take to go (default 5m). */
  timeout?: string;
}

export const CONTROL_PLANE_REMOVAL =
  'its etcd member would stay behind (kubeadm reset on the node, or etcdctl member remove on another control plane, ' +
  'takes it out; neither is reachable through the Kubernetes API on a sealed cluster)';

/** The node's name in the cluster, refused when it is a control plane. */
export async function removableNode(ctx: StepContext, api: KubeClient): Promise<string | undefined> {
  const name = nodeName(ctx.host);
  const node = await api.getNode(name);
  if (!node) return undefined;
  if (node.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined) {
    throw stepError(ctx, `${name} is a control plane: not removing it through the API, because ${CONTROL_PLANE_REMOVAL}`);
  }
  return name;
}

export async function clusterApi(ctx: StepContext): Promise<KubeClient> {
  return openVerifiedApi(ctx, await clusterInfoAt(ctx));
}

export const drainNodeStep = defineStep<DrainNodeWith>({
  kind: 'drain-node',
  description: 'Cordon this node and evict its pods through the Kubernetes API (no SSH needed).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { timeout: DURATION_SCHEMA },
  },
  outputs: () => [{ name: 'evicted', secret: false }],
  title: () => 'cordon and drain through the API',
  sshUse: () => 'none',
  async check(ctx) {
    try {
      const api = await clusterApi(ctx);
      if (await api.getNode(nodeName(ctx.host))) return { done: false };
    } catch (err) {
      throw apiStepError(ctx, err);
    }
    return { done: true, reason: `${nodeName(ctx.host)} is not in the cluster`, outputs: { evicted: '0' } };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    try {
      const api = await clusterApi(ctx);
      const name = await removableNode(ctx, api);
      if (!name) return { evicted: '0' };
      await api.cordon(name);
      const movable = async () => (await api.podsOn(name)).filter((p) => !p.daemonSet && !p.mirror);
      const first = await movable();
      for (const p of first) await api.evict(p.namespace, p.name);
      const gone = await poll(async () => ((await movable()).length === 0 ? true : undefined), {
        timeoutMs: parseDuration(w.timeout, '5m'),
        intervalMs: 1000,
        signal: ctx.signal,
      });
      if (!gone) throw stepError(ctx, `pods on ${name} were evicted but did not go in time`, true);
      ctx.log(`${name} cordoned and drained through the API (${first.length} pods evicted; DaemonSet and static pods stay)`);
      return { evicted: String(first.length) };
    } catch (err) {
      throw apiStepError(ctx, err);
    }
  },
});
