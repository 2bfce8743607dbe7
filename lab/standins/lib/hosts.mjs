// /etc/hosts of a node: which names it binds, and to which address.
import { readText } from './files.mjs';
import { NODE } from './env.mjs';

export function hostsEntries(node = NODE) {
  return (readText('/etc/hosts', node) ?? '')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => {
      const [ip, ...names] = line.split(/\s+/);
      return { ip, names };
    });
}

/** The address /etc/hosts gives `name`, or undefined. */
export function resolveName(name, node = NODE) {
  return hostsEntries(node).find((e) => e.names.includes(name))?.ip;
}
