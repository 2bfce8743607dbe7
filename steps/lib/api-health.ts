// Is the cluster healthy right now, asked through the Kubernetes API from the controller with the
// cluster's kubeconfig: every expected node Ready and the API server ready through the
// control-plane endpoint. The seal gate's way once the kubeconfig is out (no SSH on any node is
// needed, so it also works when every control plane is sealed already: adding a worker to a
// sealed cluster). Throws a retryable step error when unhealthy or unanswered; returns where it
// asked.
import type { StepContext } from '../../engine/step-kind.js';
import { stepError } from './fail.js';
import { KubeApiError } from './kube-api-client.js';
import { apiStepError, openClusterApi } from './kubeconfig-file.js';
import { notReady } from './kubectl.js';

export async function verifyThroughApi(ctx: StepContext, expected: string[]): Promise<string> {
  const api = openClusterApi(ctx);
  try {
    if (!(await api.readyz())) throw stepError(ctx, `the API at ${api.server} is not ready (/readyz)`, true);
    const missing = notReady(await api.nodeStatuses(), expected);
    if (missing.length > 0) throw stepError(ctx, `nodes not Ready (${missing.join(', ')}), asked through the API at ${api.server}`, true);
  } catch (err) {
    if (err instanceof KubeApiError) throw apiStepError(ctx, err, 'the cluster\'s health cannot be verified through the API: ');
    throw err;
  }
  return `every node Ready and the API ready, asked through the API at ${api.server}`;
}
