// A fresh node's disk: the files an ALT p10 (or c10f) host with podsec-k8s installed would have
// that the playbooks, the facts and the stand-ins look at, /var/lib/lab/host.json (what the
// reporting stand-ins say about its NIC, kernel, clock, swap, disk) among them. Written once; a
// restarted lab keeps whatever is there and only adds files a newer lab knows about.
import { randomBytes } from 'node:crypto';
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

export type LabOs = 'p10' | 'c10f';

/** /etc/os-release: ALT Server 10 (p10: the platform from CPE_NAME) or ALT SP Server (c10f:
 * ALT_BRANCH_ID c10f2), the two podsec-get-platform paths. */
export const OS_RELEASE: Record<LabOs, string> = {
  p10: [
    'NAME="ALT Server"',
    'VERSION="10.2 (Mendelevium)"',
    'ID=altlinux',
    'VERSION_ID=10.2',
    'PRETTY_NAME="ALT Server 10.2 (Mendelevium)"',
    'ANSI_COLOR="1;33"',
    'CPE_NAME="cpe:/o:alt:server:10.2"',
    'BUILD_ID="ALT Server 10.2"',
    'HOME_URL="https://basealt.ru/"',
    'BUG_REPORT_URL="https://bugs.altlinux.org/"',
    '',
  ].join('\n'),
  c10f: [
    'NAME="ALT SP Server"',
    'VERSION="10 (Cetus)"',
    'ID=altlinux',
    'VERSION_ID=10',
    'PRETTY_NAME="ALT SP Server 11100-02"',
    'ANSI_COLOR="1;33"',
    'CPE_NAME="cpe:/o:alt:spserver:10"',
    'ALT_BRANCH_ID="c10f2"',
    'HOME_URL="https://basealt.ru/"',
    'BUG_REPORT_URL="https://bugs.altlinux.org/"',
    '',
  ].join('\n'),
};

/** The apt source a fresh ALT host has (curl's stand-in answers for *.altlinux.org, *.altsp.su). */
export function aptSource(os: LabOs): string {
  return os === 'c10f'
    ? 'rpm [cert8] http://update.altsp.su/pub/distributions/ALTLinux c10f2/branch/x86_64 classic\n'
    : 'rpm [p10] http://ftp.altlinux.org/pub/distributions/ALTLinux p10/branch/x86_64 classic\nrpm [p10] http://ftp.altlinux.org/pub/distributions/ALTLinux p10/branch/noarch classic\n';
}

/** What the reporting stand-ins say about the node (lab/standins/lib/host-config.mjs has the
 * same defaults); edit a node's copy to make it differ on purpose. */
export function hostJson(): string {
  return (
    JSON.stringify(
      {
        interface: 'ens3',
        prefix: 24,
        defaultRoute: true,
        kernel: '6.1.130-un-def-alt1',
        arch: 'x86_64',
        swap: [],
        listening: [],
        clockSkew: '0s',
        ntp: true,
        cgroup: 'cgroup2',
        sysctl: { 'user.max_user_namespaces': '63482', 'kernel.unprivileged_userns_clone': '0', 'net.ipv4.ip_forward': '0' },
        varLibSize: '60G',
        varLibAvailable: '40G',
      },
      null,
      2,
    ) + '\n'
  );
}

/** Files a node gets at its first start, or later when a newer lab adds them (never replaced). */
function laterFiles(os: LabOs): Record<string, () => string> {
  return {
    'etc/machine-id': () => `${randomBytes(16).toString('hex')}\n`,
    'var/lib/lab/host.json': hostJson,
    'etc/apt/sources.list.d/alt.list': () => aptSource(os),
  };
}

/** The files of a fresh node, by path under its root (a testbed node starts from these too). */
export function seedFiles(node: LabNode, os: LabOs = 'p10'): Record<string, string> {
  return {
    'etc/hostname': `${node.name}\n`,
    'etc/hosts': `127.0.0.1\tlocalhost.localdomain localhost\n::1\tlocalhost6.localdomain localhost6 localhost6\n${node.internalAddress}\t${node.name}\n`,
    'etc/os-release': OS_RELEASE[os],
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
export function seedNode(root: string, node: LabNode, standins = standinsDir(), os: LabOs = 'p10'): boolean {
  if (existsSync(join(root, 'etc', 'hostname'))) {
    writeLaterFiles(root, os);
    return false;
  }
  writeSeed(root, node, { standins, os });
  return true;
}

/** Files a newer lab adds to an existing node's disk (never replaced). */
function writeLaterFiles(root: string, os: LabOs): void {
  for (const [rel, make] of Object.entries(laterFiles(os))) {
    const file = join(root, rel);
    if (existsSync(file)) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, make());
  }
}

/** Write a fresh node's directories and files under `root`, but for the paths in `skip` (a
 * testbed node has its own passwd, group and sshd_config). */
export function writeSeed(root: string, node: LabNode, o: { skip?: string[]; standins?: string; os?: LabOs } = {}): void {
  const skip = o.skip ?? [];
  const os = o.os ?? 'p10';
  for (const d of DIRS) mkdirSync(join(root, d), { recursive: true });
  for (const [rel, content] of Object.entries(seedFiles(node, os))) {
    if (!skip.includes(rel)) writeFileSync(join(root, rel), content);
  }
  writeLaterFiles(root, os);
  // podsec-k8s ships the flannel manifest
  copyFileSync(join(o.standins ?? standinsDir(), 'lib', 'kube-flannel.yml'), join(root, 'var/lib/u7s-admin/usernetes/manifests/kube-flannel.yml'));
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
