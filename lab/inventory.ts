// The files a lab hands to podsec-play: inventory.yaml (hosts, cluster, ssh defaults, throwaway
// secrets) and known_hosts, so `podsec-play run PLAYBOOK -i DIR/inventory.yaml` needs no flag.
import { stringify } from 'yaml';
import { labFiles, writeFileAtomic, type LabState } from './layout.js';
import { knownHostsLine } from './keys.js';

export function inventoryYaml(state: LabState): string {
  const doc = {
    cluster: state.cluster,
    ssh: { identityFile: './id_ed25519', knownHosts: './known_hosts' },
    secrets: state.secrets,
    hosts: state.nodes.map((n) => ({
      name: n.name,
      address: '127.0.0.1',
      port: n.port,
      internalAddress: n.internalAddress,
      user: 'root',
      roles: [n.role],
    })),
  };
  const header = '# Written by `podsec-play lab up`: simulated nodes on 127.0.0.1. The secrets are throwaway lab values.\n';
  return header + stringify(doc);
}

export function writeLabFiles(dir: string, state: LabState, hostKeys: Map<string, string>): void {
  const files = labFiles(dir);
  writeFileAtomic(files.inventory, inventoryYaml(state), 0o600);
  const lines = state.nodes.map((n) => knownHostsLine(n.port, hostKeys.get(n.name) ?? ''));
  writeFileAtomic(files.knownHosts, lines.join('\n') + '\n');
}
