// A fresh node's disk: the files an ALT p10 (or c10f) host with podsec-k8s installed would have
// that the playbooks, the facts and the stand-ins look at, /var/lib/lab/host.json (what the
// reporting stand-ins say about its NIC, kernel, clock, swap, disk) among them. Written once; a
// restarted lab keeps whatever is there and only adds files a newer lab knows about.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabClusterInfo, LabNode } from './layout.js';
import { buildImageArchive } from './image-archive.js';
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
  'rsyslog-classic-8.2404.0-alt1',
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
  'usr/bin',
  'etc/podsec/u7s/manifests/kube-flannel/0/22/3',
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
        publicRegistries: true,
      },
      null,
      2,
    ) + '\n'
  );
}

/** Files a node gets at its first start, or later when a newer lab adds them (never replaced). */
function laterFiles(os: LabOs, standins: string): Record<string, () => string> {
  return {
    'etc/machine-id': () => `${randomBytes(16).toString('hex')}\n`,
    'var/lib/lab/host.json': hostJson,
    'etc/apt/sources.list.d/alt.list': () => aptSource(os),
    // The journal runs; rsyslog-classic's daemon reads its drop-ins (the log forwarding).
    'var/lib/lab/systemd/systemd-journald.json': () => JSON.stringify({ enabled: true, active: true }) + '\n',
    'var/lib/lab/systemd/rsyslog.json': () => JSON.stringify({ enabled: true, active: true }) + '\n',
    'etc/rsyslog.conf': () => RSYSLOG_CONF,
    'etc/rsyslog.d/00-README': () => '# Drop-in files (*.conf) read by /etc/rsyslog.conf\n',
    // podsec-k8s's audit policy (usernetes/audit/policy.yaml, %config in podsec.spec), which the
    // kubeadm wrapper copies to /etc/kubernetes/audit/ on init and join.
    'etc/podsec/u7s/audit/policy.yaml': () => readFileSync(join(standins, 'lib', 'audit-policy.yaml'), 'utf8'),
  };
}

/** rsyslog's main configuration as rsyslog-classic has it: the classic rules and the drop-ins. */
const RSYSLOG_CONF = [
  'module(load="imuxsock")',
  'module(load="imklog")',
  '*.info;mail.none;authpriv.none;cron.none /var/log/messages',
  'authpriv.* /var/log/secure',
  '$IncludeConfig /etc/rsyslog.d/*.conf',
  '',
].join('\n');

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
    writeLaterFiles(root, os, standins);
    return false;
  }
  writeSeed(root, node, { standins, os });
  return true;
}

/** Files a newer lab adds to an existing node's disk (never replaced). */
function writeLaterFiles(root: string, os: LabOs, standins: string): void {
  for (const [rel, make] of Object.entries(laterFiles(os, standins))) {
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
  const standins = o.standins ?? standinsDir();
  for (const d of DIRS) mkdirSync(join(root, d), { recursive: true });
  for (const [rel, content] of Object.entries(seedFiles(node, os))) {
    if (!skip.includes(rel)) writeFileSync(join(root, rel), content);
  }
  writeLaterFiles(root, os, standins);
  // podsec-k8s ships upstream flannel manifests by version; its wrapper rewrites the images to
  // the ALT registry and writes the result to /etc/kubernetes/manifests/kube-flannel.yml.
  copyFileSync(join(standins, 'lib', 'kube-flannel.yml'), join(root, FLANNEL_SOURCE));
}

/** podsec-k8s's own copy of the flannel manifest the wrapper reads (flannel v0.22.3). */
export const FLANNEL_SOURCE = 'etc/podsec/u7s/manifests/kube-flannel/0/22/3/kube-flannel.yml';

/** The master's image archive: a real .tar.xz in podsec-k8s-save-oci's layout (the host's tar
 * and xz make it), holding the cluster's Kubernetes version under its platform. */
export function seedImageArchive(root: string, cluster: LabClusterInfo, os: LabOs): void {
  const file = join(root, LAB_IMAGE_ARCHIVE);
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  // The platform podsec-get-platform finds in the node's os-release (p10 or c10f), unless an
  // old lab's inventory names one.
  const platform = cluster.platform ?? os;
  try {
    buildImageArchive(file, { kubeVersion: cluster.kubeVersion, platform, arch: 'amd64' });
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(`cannot make the master's image archive with tar -cJ (tar and xz must be installed): ${detail}`);
  }
}

/** Programs a node has at fixed paths (refreshed every start, so a moved checkout still works):
 * the podsec wrapper /usr/libexec/podsec/u7s/bin/kubeadm, its nsenter_u7s, and the native
 * /usr/bin/kubeadm (the lab maps /usr/bin/kubeadm into the node: see rewrite.ts). */
export function linkWrapper(root: string, binDir: string): void {
  const links: [string, string][] = [
    ['usr/libexec/podsec/u7s/bin/kubeadm', 'podsec-u7s-kubeadm'],
    ['usr/libexec/podsec/u7s/bin/nsenter_u7s', 'nsenter_u7s'],
    ['usr/bin/kubeadm', 'kubeadm'],
  ];
  for (const [path, program] of links) {
    const link = join(root, path);
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(join(binDir, program), link);
  }
}
