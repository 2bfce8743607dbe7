// The packages a lab node has installed: its /var/lib/lab/packages (one NAME-VERSION-RELEASE a
// line, what `rpm -qa` lists; remove a line to make a package missing on purpose).
import { readText } from './files.mjs';
import { NODE } from './env.mjs';

/** `podsec-k8s-1.1.20-alt2` → `podsec-k8s`. */
export function packageName(nvr) {
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(nvr);
  return m ? m[1] : nvr;
}

export function installedPackages(node = NODE) {
  return (readText('/var/lib/lab/packages', node) ?? '').split('\n').filter(Boolean);
}

export function hasPackage(name, node = NODE) {
  return installedPackages(node).some((p) => p === name || packageName(p) === name);
}
