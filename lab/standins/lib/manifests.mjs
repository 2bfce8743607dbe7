// Manifests the lab hands out (there is no Internet): the flannel CNI (kube-flannel.yml, also
// installed on every node where podsec-k8s keeps it).
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';
export const FLANNEL_MANIFEST = readFileSync(new URL('./kube-flannel.yml', import.meta.url), 'utf8');

/** `kind/name` pairs of a multi-document manifest (a crude reading, enough for kubectl output). */
export function objectsOf(text) {
  return text
    .split(/^---\s*$/m)
    .map((doc) => {
      const kind = doc.match(/^kind:\s*(\S+)/m)?.[1];
      const name = doc.match(/^metadata:\s*\n(?:\s+.*\n)*?\s+name:\s*(\S+)/m)?.[1];
      return kind && name ? { kind, name } : undefined;
    })
    .filter(Boolean);
}
