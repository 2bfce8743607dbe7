// The files a testbed hands to podsec-play, like `lab up` does: inventory.yaml (the nodes at
// their real addresses, port 22) and known_hosts (their sshd host keys), so
// `podsec-play run PLAYBOOK -i DIR/inventory.yaml` needs no flag.
import { stringify } from 'yaml';
import { labFiles, writeFileAtomic, type LabState } from '../lab/layout.js';

export function testbedInventoryYaml(state: LabState): string {
  const doc = {
    cluster: state.cluster,
    ssh: { identityFile: './id_ed25519', knownHosts: './known_hosts' },
    secrets: state.secrets,
    hosts: state.nodes.map((n) => ({
      name: n.name,
      address: n.internalAddress,
      port: 22,
      internalAddress: n.internalAddress,
      user: 'root',
      roles: [n.role],
    })),
  };
  const header = '# Written by `podsec-play testbed up`: nodes in Linux namespaces on a bridge, each with a real sshd. The secrets are throwaway testbed values.\n';
  return header + stringify(doc);
}

/** `ADDRESS ssh-ed25519 BASE64` (port 22: no brackets). */
export function testbedKnownHostsLine(address: string, publicKey: string): string {
  const [type, blob] = publicKey.split(/\s+/);
  return `${address} ${type} ${blob}`;
}

export function writeTestbedFiles(dir: string, state: LabState, hostKeys: Map<string, string>): void {
  const files = labFiles(dir);
  writeFileAtomic(files.inventory, testbedInventoryYaml(state), 0o600);
  writeFileAtomic(files.knownHosts, state.nodes.map((n) => testbedKnownHostsLine(n.internalAddress, hostKeys.get(n.name) ?? '')).join('\n') + '\n');
}
