// `wait-nodes-ready`: poll `kubectl get nodes -o json` on the master until every expected node
// is Ready, bounded by a timeout; the gate before SSH is turned off.
import { expectedNodes } from './lib/cluster-hosts.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { GET_NODES, notReady, parseNodes } from './lib/kubectl.js';
import { poll } from './lib/poll.js';
import { selfQuiet } from './lib/remote.js';
import { defineStep } from '../engine/step-kind.js';

export interface WaitNodesReadyWith {
  /** Node names (default: every master/control-plane/worker host; vars.nodeName overrides a name). */
  nodes?: string[];
  timeout?: string;
  interval?: string;
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
    },
  },
  outputs: () => [
    { name: 'ready', secret: false },
    { name: 'nodes', secret: false },
  ],
  title: (w) => `wait until ${w.nodes ? `${w.nodes.length} nodes are` : 'every node is'} Ready`,
  async run(ctx, w): Promise<Record<string, string>> {
    const expected = w.nodes ?? expectedNodes(ctx);
    if (expected.length === 0) throw stepError(ctx, 'no nodes to wait for: no host has role master, control-plane or worker');
    const remote = selfQuiet(ctx);
    let missing = expected;
    let last = '';
    const done = await poll(
      async () => {
        const r = await remote.exec(GET_NODES);
        if (r.exitCode !== 0) {
          last = `kubectl exited ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
          return undefined;
        }
        try {
          missing = notReady(parseNodes(r.stdout), expected);
        } catch {
          last = 'kubectl printed no node list';
          return undefined;
        }
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
