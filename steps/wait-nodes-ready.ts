// `wait-nodes-ready`: poll `kubectl get nodes -o json` on this host (the master) until every
// expected node is Ready, bounded by a timeout; the gate before SSH is turned off. `via: api`
// asks the Kubernetes API from the controller with the cluster's kubeconfig instead, so it
// works on a sealed cluster and needs no SSH on this host.
import { expectedNodes } from './lib/cluster-hosts.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { GET_NODES, notReady, parseNodes, type NodeStatus } from './lib/kubectl.js';
import { KubeApiError, type KubeClient } from './lib/kube-api-client.js';
import { apiStepError, openClusterApi } from './lib/kubeconfig-file.js';
import { poll } from './lib/poll.js';
import { selfQuiet } from './lib/remote.js';
import { defineStep } from '../engine/step-kind.js';

export interface WaitNodesReadyWith {
  /** Node names (default: every master/control-plane/worker host; vars.nodeName overrides a name). */
  nodes?: string[];
  timeout?: string;
  interval?: string;
  /** `ssh` (default): kubectl on this host; `api`: the Kubernetes API from the controller. */
  via?: 'ssh' | 'api';
}

export const waitNodesReadyStep = defineStep<WaitNodesReadyWith>({
  kind: 'wait-nodes-ready',
  description: 'Wait (bounded) until every expected node is Ready.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      nodes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      timeout: DURATION_SCHEMA,
      interval: DURATION_SCHEMA,
      via: { enum: ['ssh', 'api'] },
    },
  },
  sshUse: (w) => (w.via === 'api' ? 'none' : 'required'),
  outputs: () => [
    { name: 'ready', secret: false },
    { name: 'nodes', secret: false },
  ],
  title: (w) => `wait until ${w.nodes ? `${w.nodes.length} nodes are` : 'every node is'} Ready`,
  async run(ctx, w): Promise<Record<string, string>> {
    const expected = w.nodes ?? expectedNodes(ctx);
    if (expected.length === 0) throw stepError(ctx, 'no nodes to wait for: no host has role master, control-plane or worker');
    const read = w.via === 'api' ? apiReader(openClusterApi(ctx)) : kubectlReader(ctx);
    let missing = expected;
    let last = '';
    const done = await poll(
      async () => {
        let r: Reading;
        try {
          r = await read();
        } catch (err) {
          throw apiStepError(ctx, err);
        }
        if ('problem' in r) {
          last = r.problem;
          return undefined;
        }
        missing = notReady(r.nodes, expected);
        last = missing.length > 0 ? `not Ready: ${missing.join(', ')}` : '';
        return missing.length === 0 ? true : undefined;
      },
      { timeoutMs: parseDuration(w.timeout, '10m'), intervalMs: parseDuration(w.interval, '2s'), signal: ctx.signal },
    );
    if (!done) throw stepError(ctx, `nodes not Ready in time (${last})`, true);
    ctx.log(`${expected.length} nodes Ready: ${expected.join(', ')}`);
    return { ready: String(expected.length), nodes: expected.join(',') };
  },
});

type Reading = { nodes: NodeStatus[] } | { problem: string };

function kubectlReader(ctx: Parameters<typeof selfQuiet>[0]): () => Promise<Reading> {
  const remote = selfQuiet(ctx);
  return async () => {
    const r = await remote.exec(GET_NODES);
    if (r.exitCode !== 0) return { problem: `kubectl exited ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}` };
    try {
      return { nodes: parseNodes(r.stdout) };
    } catch {
      return { problem: 'kubectl printed no node list' };
    }
  };
}

/** Nodes through the API; a server that does not answer yet is worth waiting for, bad
 * credentials or another cluster's server are not. */
function apiReader(api: KubeClient): () => Promise<Reading> {
  return async () => {
    try {
      return { nodes: await api.nodeStatuses() };
    } catch (err) {
      if (err instanceof KubeApiError && err.retryable) return { problem: err.message };
      throw err;
    }
  };
}
