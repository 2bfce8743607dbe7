// Talking to the simulated API server the way kubectl and kubeadm do: through a kubeconfig,
// whose server must be reachable from this node, whose CA must be the current cluster's, and
// whose credentials the cluster accepts (the same rules as the lab's real API server, which
// reads the same cluster state: lib/kube-auth.mjs).
import { readKubeconfig } from './kubeconfig.mjs';
import { readCluster } from './cluster.mjs';
import { reachApi, splitHostPort } from './net.mjs';
import { sameCert } from './pki.mjs';
import { authenticate } from './kube-auth.mjs';

/** {ok: true, cluster, server, who} or {ok: false, kind: 'missing'|'unreachable'|'x509'|'unauthorized', server, error}. */
export function connectApi(kubeconfigPath) {
  const kc = readKubeconfig(kubeconfigPath);
  if (!kc) return { ok: false, kind: 'missing', server: 'localhost:8080', error: `open ${kubeconfigPath}: no such file or directory` };
  const cluster = readCluster();
  const hp = splitHostPort(kc.server);
  const reach = hp ? reachApi(cluster, hp.host, hp.port) : { ok: false, error: `invalid server ${kc.server}` };
  if (!reach.ok) return { ok: false, kind: 'unreachable', server: kc.server, error: reach.error };
  if (!cluster.id || !cluster.ca || !sameCert(kc.ca, cluster.ca.cert)) {
    return { ok: false, kind: 'x509', server: kc.server, error: 'tls: failed to verify certificate: x509: certificate signed by unknown authority' };
  }
  const who = authenticate(cluster, { cert: kc.cert, token: kc.token });
  if (who.status === 401) return { ok: false, kind: 'unauthorized', server: kc.server, error: 'Unauthorized' };
  return { ok: true, cluster, server: kc.server, who };
}
