// `delete-node`: the Node object goes, through the Kubernetes API alone; afterwards the node no
// longer shows in `kubectl get nodes`. (A kubelet that still runs there would register it again:
// node-reset stops it where SSH reaches; a sealed node must be wiped or powered off.)
import { nodeName } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { apiStepError } from './lib/kubeconfig-file.js';
import { clusterApi, removableNode } from './drain-node.js';
import { defineStep } from '../engine/step-kind.js';

export const deleteNodeStep = defineStep<Record<string, never>>({
  kind: 'delete-node',
  description: "Delete this node's Node object through the Kubernetes API (no SSH needed).",
  schema: { type: 'object', additionalProperties: false, properties: {} },
  outputs: () => [{ name: 'deleted', secret: false }],
  title: () => 'delete the node object through the API',
  sshUse: () => 'none',
  async check(ctx) {
    try {
      if (await (await clusterApi(ctx)).getNode(nodeName(ctx.host))) return { done: false };
    } catch (err) {
      throw apiStepError(ctx, err);
    }
    return { done: true, reason: `${nodeName(ctx.host)} is not in the cluster`, outputs: { deleted: 'false' } };
  },
  async run(ctx): Promise<Record<string, string>> {
    try {
      const api = await clusterApi(ctx);
      const name = await removableNode(ctx, api);
      if (!name) return { deleted: 'false' };
      await api.deleteNode(name);
      if (await api.getNode(name)) throw stepError(ctx, `${name} was deleted but the API still lists it`, true);
      ctx.log(`node ${name} deleted through the API`);
      return { deleted: 'true' };
    } catch (err) {
      throw apiStepError(ctx, err);
    }
  },
});
