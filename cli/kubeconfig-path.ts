// Where the controller keeps a cluster's admin kubeconfig: --kubeconfig FILE, else the
// inventory's cluster.kubeconfig (relative to the inventory), else NAME.kubeconfig beside the
// inventory, NAME being the cluster's name made safe for a file name. The same file the run
// writes before the seal, day-2 runs read, and `podsec-play kubeconfig` writes again.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Inventory } from '../engine/model.js';

export function kubeconfigPathFor(inventory: Pick<Inventory, 'file' | 'cluster'>, override?: string): string {
  if (override) return resolve(override);
  const dir = dirname(inventory.file);
  const configured = inventory.cluster.kubeconfig;
  if (typeof configured === 'string' && configured.length > 0) {
    const expanded = configured.startsWith('~/') ? `${process.env.HOME ?? ''}${configured.slice(1)}` : configured;
    return isAbsolute(expanded) ? expanded : resolve(dir, expanded);
  }
  const name = inventory.cluster.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'cluster';
  return resolve(dir, `${name}.kubeconfig`);
}

/** What day-2 work on a sealed cluster goes through, said whenever SSH on a sealed host is refused. */
export function sealedHint(inventoryFile: string): string {
  return (
    "Day-2 work on a sealed cluster goes through the Kubernetes API with the cluster's kubeconfig " +
    `(podsec-play kubeconfig -i ${inventoryFile} writes it again): playbooks/add-worker.yaml joins new nodes, ` +
    'playbooks/remove-node.yaml removes one; to rebuild a sealed host, reinstall it (README: After the seal).'
  );
}
