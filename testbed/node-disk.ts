// A testbed node's disk, DIR/nodes/NAME: the part of the host's /etc the real programs need, the
// lab's seed on top (ALT's os-release, hosts, podsec's files and packages), a user database of
// the host's system accounts plus podsec's, root's authorized key, a real sshd's config and host
// key, the master's image archive, and /run emptied at every boot (it is a tmpfs on a real host).
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKeyPair, hostKeyFile } from '../lab/keys.js';
import type { LabClusterInfo, LabNode } from '../lab/layout.js';
import { linkWrapper, seedFiles, seedImageArchive, writeSeed } from '../lab/seed.js';
import { copyHostEtc, nodeUserDb, readHostFile, writeUserDb } from './host-etc.js';
import { renderSshdConfig } from './sshd.js';

/** The nodes have no route out (their default route is the controller, which does not forward)
 * and ALT's apt-get is a stand-in on them: their package source is a local one. */
export const LOCAL_APT_SOURCE = '# podsec-play testbed: no Internet here; apt-get is the lab\'s stand-in\nrpm file:/var/lib/lab/mirror p10/branch/x86_64 classic\n';

export interface NodeDiskOptions {
  root: string;
  node: LabNode;
  binDir: string;
  /** The testbed's client public key (root's only authorized key). */
  clientPublicKey: string;
  /** LAB_DIR, LAB_NODE, LAB_NODE_ROOT: in every SSH session, and in /etc/lab/node.json. */
  env: Record<string, string>;
  /** For the master's image archive (its Kubernetes version and platform). */
  cluster: LabClusterInfo;
  /** The stand-ins the seed takes podsec-k8s's files from (flannel, the audit policy). */
  standins: string;
}

/** Prepare the node's disk for a boot; returns its host public key. Node files of an earlier
 * testbed on the same DIR are kept (a reboot), but for /run. */
export function prepareNodeDisk(o: NodeDiskOptions): string {
  const { root, node } = o;
  if (!existsSync(join(root, 'etc', 'hostname'))) {
    mkdirSync(join(root, 'etc'), { recursive: true });
    copyHostEtc(join(root, 'etc'));
    writeSeed(root, node, { skip: ['etc/passwd', 'etc/group', 'etc/ssh/sshd_config'], standins: o.standins });
    const seed = seedFiles(node);
    writeUserDb(join(root, 'etc'), nodeUserDb(readHostFile('/etc/passwd'), readHostFile('/etc/group'), seed['etc/passwd'] ?? '', seed['etc/group'] ?? ''));
    for (const d of ['var/log', 'var/tmp', 'var/lib', 'var/cache', 'var/spool', 'root/.ssh']) mkdirSync(join(root, d), { recursive: true });
    symlinkSync('/run', join(root, 'var/run'));
    symlinkSync('/run/lock', join(root, 'var/lock'));
    writeFileSync(join(root, 'root/.ssh/authorized_keys'), `${o.clientPublicKey.trim()}\n`, { mode: 0o600 });
    writeFileSync(join(root, 'etc/apt/sources.list.d/alt.list'), LOCAL_APT_SOURCE);
    // the archive an admin made with podsec-k8s-save-oci, a real .tar.xz (as on a lab's master)
    if (node.role === 'master') seedImageArchive(root, o.cluster, 'p10');
  }
  // every stand-in run appends here, whichever node user runs it
  const actions = join(root, 'actions.log');
  if (!existsSync(actions)) writeFileSync(actions, '');
  chmodSync(actions, 0o666);
  // the lab's own records on the node (the registry's contents, unit states): what a node user's
  // stand-in (the image maker pushing) writes there is the model's bookkeeping, not the node's
  chmodSync(join(root, 'var/lib/lab'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  chmodSync(join(root, 'root/.ssh'), 0o700);
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  // /run starts empty at every boot, with sshd's privilege separation directory
  mkdirSync(join(root, 'run'), { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(join(root, 'run'))) rmSync(join(root, 'run', entry), { recursive: true, force: true });
  for (const d of ['run/sshd', 'run/lock']) mkdirSync(join(root, d), { mode: 0o755 });
  linkWrapper(root, o.binDir);
  mkdirSync(join(root, 'etc/lab'), { recursive: true });
  writeFileSync(join(root, 'etc/lab/node.json'), JSON.stringify(o.env, null, 2) + '\n');
  writeFileSync(join(root, 'etc/ssh/sshd_config'), renderSshdConfig({ address: node.internalAddress, env: o.env }));
  return ensureKeyPair(hostKeyFile(root), `root@${node.name}`).publicKey;
}
