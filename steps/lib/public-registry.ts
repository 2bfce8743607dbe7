// The public registry of podsec's "with Internet access" mode, as its kubeadm wrapper chooses it
// (setRegistryName in podsec-k8s/bin/podsec-u7s-functions, alt-cloud/podsec commit 5014172):
// U7S_REGISTRY set and empty → registry.k8s.io (flannel then from docker.io/flannel); any other
// value, or none → registry.local when /etc/hosts names it, else registry.altlinux.org. The
// wrapper asks the registry for tags over HTTPS (`curl -ks https://REGISTRY/v2/IMAGE/tags/list`)
// and copies every image with skopeo: a node that cannot reach it cannot init or join.
import type { Cluster } from '../../engine/model.js';
import { quote } from '../../engine/util/shell.js';

export const ALT_REGISTRY = 'registry.altlinux.org';
export const K8S_REGISTRY = 'registry.k8s.io';
/** docker.io's registry endpoint: flannel's images when U7S_REGISTRY is empty. */
export const DOCKER_REGISTRY = 'registry-1.docker.io';

/** The registry setting the wrapper will read: the step's, else the inventory's (undefined: unset). */
export function registrySetting(cluster: Cluster, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  return typeof cluster.registry === 'string' ? cluster.registry : undefined;
}

/** Why this setting cannot be the Internet mode's (undefined: it can). */
export function settingProblem(setting: string | undefined): string | undefined {
  if (setting === 'registry.local') {
    return 'cluster.registry is registry.local, the secure mode\'s local registry, but this playbook builds the cluster from a public registry';
  }
  return undefined;
}

/** The hosts a node must reach over HTTPS for the wrapper's pulls. */
export function publicRegistryHosts(setting: string | undefined): string[] {
  if (setting === '') return [K8S_REGISTRY, DOCKER_REGISTRY];
  return [ALT_REGISTRY];
}

/** What the wrapper will pull from, for messages. */
export function describeSetting(setting: string | undefined): string {
  if (setting === '') return 'U7S_REGISTRY empty: registry.k8s.io, flannel from docker.io';
  return `${setting === undefined ? 'U7S_REGISTRY unset' : `U7S_REGISTRY=${setting}`}: ${ALT_REGISTRY} (no registry.local in /etc/hosts)`;
}

/** One HTTPS request to the registry API root: prints the HTTP status (any status means the
 * registry answered; 401 is what an anonymous client gets from most). */
export function probeCommand(host: string): string {
  return `curl -s -o /dev/null --max-time 10 -w '%{http_code}' ${quote(`https://${host}/v2/`)}`;
}

/** curl's exit codes for a registry that did not answer, in words. */
const CURL_WHY: Record<number, string> = {
  6: 'could not resolve the host',
  7: 'could not connect',
  28: 'timed out',
  35: 'the TLS handshake failed',
  60: 'its certificate is not trusted here',
};

/** undefined when the registry answered; else what went wrong. */
export function probeProblem(result: { exitCode: number | undefined; stdout: string }): string | undefined {
  const code = result.stdout.trim();
  if (result.exitCode === 0 && /^[1-5][0-9][0-9]$/.test(code)) return undefined;
  if (result.exitCode === undefined) return 'no answer (the probe timed out)';
  return `curl exit ${result.exitCode}: ${CURL_WHY[result.exitCode] ?? 'no answer'}`;
}

/** A /etc/hosts line naming registry.local makes the wrapper ignore U7S_REGISTRY. */
export const NAMES_REGISTRY_LOCAL = "grep -E '^[^#]*[[:space:]]registry[.]local([[:space:]]|$)' /etc/hosts";
