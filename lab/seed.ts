// A fresh node's disk: the files an ALT p10 host with podsec-k8s installed would have that the
// playbooks and stand-ins look at. Written once; a restarted lab keeps whatever is there.
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabNode } from './layout.js';
import { standinsDir } from './standins.js';

const PACKAGES = [
  'podsec-1.1.20-alt1',
  'podsec-k8s-1.1.20-alt1',
  'podsec-k8s-rbac-1.1.20-alt1',
  'podsec-inotify-1.1.20-alt1',
  'openssh-server-9.6p1-alt1',
  'haproxy-2.8.5-alt1',
  'keepalived-2.2.8-alt1',
  'curl-8.5.0-alt1',
];

const DIRS = [
  'root',
  'home',
  'tmp',
  'opt',
  'run',
  'etc/ssh',
  'etc/containers/registries.d',
  'etc/podsec/u7s/config',
  'etc/haproxy',
  'etc/keepalived',
  'etc/kubernetes',
  'var/lib/u7s-admin',
  'var/lib/podsec/u7s',
  'var/lib/lab/systemd',
  'var/log',
  'var/tmp',
  'usr/libexec/podsec/u7s/bin',
  'var/lib/u7s-admin/usernetes/manifests',
];

/** The files of a fresh node, by path under its root (a testbed node starts from these too). */
export function seedFiles(node: LabNode): Record<string, string> {
  return {
    'etc/hostname': `${node.name}\n`,
    'etc/hosts': `127.0.0.1\tlocalhost.localdomain localhost\n::1\tlocalhost6.localdomain localhost6 localhost6\n${node.internalAddress}\t${node.name}\n`,
    'etc/os-release': 'NAME="ALT Server"\nVERSION="10.2"\nID=altlinux\nVERSION_ID=10.2\nPRETTY_NAME="ALT Server 10.2 (Mendelevium)"\nCPE_NAME="cpe:/o:alt:server:10.2"\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nsshd:x:99:99:sshd:/var/empty:/dev/null\nu7s-admin:x:990:990:usernetes admin:/var/lib/u7s-admin:/bin/sh\n',
    'etc/group': 'root:x:0:\nwheel:x:10:root\nsshd:x:99:\nu7s-admin:x:990:\n',
    'etc/containers/registries.conf': 'unqualified-search-registries = ["registry.altlinux.org"]\n',
    'etc/podsec/u7s/config/env': '# podsec-k8s settings\n',
    'etc/ssh/sshd_config': 'PermitRootLogin prohibit-password\nPasswordAuthentication no\n',
    'var/lib/lab/packages': PACKAGES.join('\n') + '\n',
    'var/lib/lab/systemd/sshd.json': JSON.stringify({ enabled: true, active: true }) + '\n',
  };
}

/** Where the master keeps the Kubernetes image archive an admin made with podsec-k8s-save-oci
 * (the default of the shipped playbooks' vars.imageArchive). */
export const LAB_IMAGE_ARCHIVE = 'var/lib/podsec-play/images/podsec-k8s-images.tar.xz';

/** Create the node's disk on first start; true when it was created now. */
export function seedNode(root: string, node: LabNode, standins = standinsDir()): boolean {
  if (existsSync(join(root, 'etc', 'hostname'))) return false;
  writeSeed(root, node, { standins });
  return true;
}

/** Write a fresh node's directories and files under `root`, but for the paths in `skip` (a
 * testbed node has its own passwd, group and sshd_config). */
export function writeSeed(root: string, node: LabNode, o: { skip?: string[]; standins?: string } = {}): void {
  const skip = o.skip ?? [];
  const standins = o.standins ?? standinsDir();
  for (const d of DIRS) mkdirSync(join(root, d), { recursive: true });
  for (const [rel, content] of Object.entries(seedFiles(node))) {
    if (!skip.includes(rel)) writeFileSync(join(root, rel), content);
  }
  // podsec-k8s ships the flannel manifest
  copyFileSync(join(standins, 'lib', 'kube-flannel.yml'), join(root, 'var/lib/u7s-admin/usernetes/manifests/kube-flannel.yml'));
  if (node.role === 'master') {
    mkdirSync(dirname(join(root, LAB_IMAGE_ARCHIVE)), { recursive: true });
    writeFileSync(join(root, LAB_IMAGE_ARCHIVE), '# lab-oci-archive arch=amd64 (stands in for podsec-k8s-save-oci output)\n');
  }
}

/** /usr/libexec/podsec/u7s/bin/kubeadm → the podsec wrapper stand-in (refreshed every start, so a
 * moved checkout still works). */
export function linkWrapper(root: string, binDir: string): void {
  const link = join(root, 'usr/libexec/podsec/u7s/bin/kubeadm');
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(join(binDir, 'podsec-u7s-kubeadm'), link);
}
