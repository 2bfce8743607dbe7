// Is the cluster healthy right now? The gate before a host is sealed: every expected node Ready
// and the Kubernetes API answering through the control-plane endpoint. Asked over SSH of a
// control plane that still has it (this node first when it is one): `kubectl get nodes` there,
// and the API's /readyz fetched through the endpoint (the VIP in HA). If no control plane can
// answer, the health is unknown — and unknown is not healthy: the caller seals nothing.
//
// Once the admin's kubeconfig is on the controller, the same question can be put to the API from
// here (no SSH needed); `ClusterHealthProbe` is the seam for that.
import { PlayError } from '../../engine/errors.js';
import type { Host } from '../../engine/model.js';
import type { StepContext } from '../../engine/step-kind.js';
import { quote } from '../../engine/util/shell.js';
import { apiEndpoint, controlPlaneHosts, isControlPlane } from './cluster-hosts.js';
import { stepError } from './fail.js';
import { GET_NODES, notReady, parseNodes } from './kubectl.js';
import { remoteFor } from './remote.js';

/** One way of asking: answers where it asked, or throws a retryable error saying why not. */
export type ClusterHealthProbe = (ctx: StepContext, expected: string[]) => Promise<string>;

/**
 * Throws a retryable error unless the cluster is healthy right now: nodes not Ready, the API not
 * answering through the endpoint, or no control plane to ask. Returns where it was asked.
 */
export const verifyOverSsh: ClusterHealthProbe = async (ctx, expected) => {
  const endpoint = apiEndpoint(ctx);
  const candidates: Host[] = [...(isControlPlane(ctx.host) ? [ctx.host] : []), ...controlPlaneHosts(ctx).filter((h) => h.name !== ctx.host.name)];
  if (candidates.length === 0) throw stepError(ctx, 'cannot check the cluster before sealing: the inventory has no control plane (role master or control-plane)');
  const unanswered: string[] = [];
  for (const cp of candidates) {
    const answer = await askOn(ctx, cp, expected, endpoint);
    if (answer.kind === 'unanswered') {
      unanswered.push(`${cp.name}: ${answer.why}`);
      continue;
    }
    if (answer.kind === 'not-ready') throw stepError(ctx, `nodes not Ready (${answer.missing.join(', ')}), asked on ${cp.name}`, true);
    return `every node Ready and the API answering through ${endpoint}, asked on ${cp.name}`;
  }
  throw stepError(ctx, `the cluster's health cannot be verified right now (${unanswered.join('; ')})`, true);
};

type Answer = { kind: 'healthy' } | { kind: 'not-ready'; missing: string[] } | { kind: 'unanswered'; why: string };

async function askOn(ctx: StepContext, cp: Host, expected: string[], endpoint: string): Promise<Answer> {
  try {
    const remote = await remoteFor(ctx, cp.name);
    const nodes = await remote.exec(GET_NODES);
    if (nodes.exitCode !== 0) return { kind: 'unanswered', why: `kubectl exited ${nodes.exitCode ?? 'without a status'}${lastLine(nodes.stderr)}` };
    let missing: string[];
    try {
      missing = notReady(parseNodes(nodes.stdout), expected);
    } catch {
      return { kind: 'unanswered', why: 'kubectl printed no node list' };
    }
    if (missing.length > 0) return { kind: 'not-ready', missing };
    const api = await remote.exec(`curl -sSfk --max-time 10 ${quote(`https://${endpoint}/readyz`)}`);
    if (api.exitCode !== 0) return { kind: 'unanswered', why: `the API does not answer through ${endpoint} (curl exited ${api.exitCode ?? 'without a status'}${lastLine(api.stderr)})` };
    return { kind: 'healthy' };
  } catch (err) {
    if (err instanceof PlayError && err.code === 'E_ABORTED') throw err;
    return { kind: 'unanswered', why: firstLine(err) };
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line}` : '';
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
