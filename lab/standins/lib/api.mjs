// Talking to the simulated API server the way kubectl and kubeadm do: through a kubeconfig,
// whose server must be reachable from this node and whose CA must be the current cluster's.
import { readKubeconfig } from './kubeconfig.mjs';
import { readCluster } from './cluster.mjs';
import { reachApi, splitHostPort } from './net.mjs';

/** {ok: true, cluster, server} or {ok: false, kind: 'missing'|'unreachable'|'x509', server, error}. */
export function connectApi(kubeconfigPath) {
  const kc = readKubeconfig(kubeconfigPath);
  if (!kc) return { ok: false, kind: 'missing', server: 'localhost:8080', error: `open ${kubeconfigPath}: no such file or directory` };
  const cluster = readCluster();
  const hp = splitHostPort(kc.server);
  const reach = hp ? reachApi(cluster, hp.host, hp.port) : { ok: false, error: `invalid server ${kc.server}` };
  if (!reach.ok) return { ok: false, kind: 'unreachable', server: kc.server, error: reach.error };
  if (!cluster.id || kc.clusterId !== cluster.id) {
    return { ok: false, kind: 'x509', server: kc.server, error: 'tls: failed to verify certificate: x509: certificate signed by unknown authority' };
  }
  return { ok: true, cluster, server: kc.server };
}
