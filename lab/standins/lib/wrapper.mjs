// The podsec kubeadm wrapper (/usr/libexec/podsec/u7s/bin/kubeadm → /usr/bin/podsec-u7s-kubeadm),
// in the order podsec-k8s/bin/podsec-u7s-kubeadm (alt-cloud/podsec commit 5014172) does things:
//   1. root only;  2. getPlatform (U7S_PLATFORM, else /etc/os-release);
//   3. installKubeadm: apt-get update on EVERY call; without U7S_KUBEVERSION the newest
//      Kubernetes minor the repository offers (and its packages get installed);
//   4. setRegistryName: U7S_REGISTRY set and empty → registry.k8s.io; otherwise, whatever its
//      value, registry.local when /etc/hosts names it, else registry.altlinux.org;
//   5. getopt against the u7s_flags table (an unknown option garbles the arguments: getopt.mjs);
//   6. a first word other than init/join: `/usr/bin/kubeadm CMD …` as u7s-admin inside its
//      namespaces (machinectl shell u7s-admin@ … nsenter_u7s), so `init phase …` is a full init;
//   7. init/join: the images of U7S_KUBEVERSION must be on the registry (exit 1 otherwise); the
//      flannel image too (else a bare `exit`: status 0, nothing done);
//   8. etcd data from an earlier deployment: `… Clear directory? y/N:` as a whole line on
//      stderr, then `read`; anything but y exits 1 — BEFORE anything is deleted;
//   9. the env file, /etc/kubernetes/manifests/kube-flannel.yml, the clean-up of the previous
//      configuration (files only), kubeadm.sh init|join inside the namespaces (its output through
//      machinectl's terminal, on stdout; on failure "Cluster deployment failed."), u7s.service
//      enabled and started; the first master then applies flannel itself, retrying forever.
import { fail, out, err, Fail } from './main.mjs';
import { currentUser, nodeByAddress, nodeInfo } from './env.mjs';
import { readText, writeText, exists, remove, appendText } from './files.mjs';
import { logAction } from './log.mjs';
import { t } from './i18n.mjs';
import { getPlatform, registryPath } from './platform.mjs';
import { readWrapperArgs, nativeArgs } from './getopt.mjs';
import { resolveName } from './hosts.mjs';
import { isActive, setUnitState } from './services.mjs';
import { kubernetesImages, FLANNEL_IMAGES, tagsOf } from './registry.mjs';
import { ask } from './prompt.mjs';
import { ETCD_DIR, wipePreviousConfig } from './kubeadm-node.mjs';
import { clusterInit, clusterJoin, kubeadm as nativeKubeadm } from './kubeadm.mjs';
import { enterNamespace } from './namespace.mjs';
import { updateCluster } from './cluster.mjs';
import { connectApi } from './api.mjs';
import { objectsOf } from './manifests.mjs';
import { labNow } from './clock.mjs';
import { sleepMs } from './lock.mjs';
import { reachesPublicRegistries } from './host-config.mjs';
import { copyAuditPolicy, tuneAudit } from './audit.mjs';

/** Kubernetes minors the lab's ALT repository offers (kubernetes1.XX-kubeadm), newest last. */
export const REPOSITORY = { '1.26': '1.26.15', '1.27': '1.27.16', '1.28': '1.28.15', '1.29': '1.29.14', '1.30': '1.30.10', '1.31': '1.31.6' };

const minorOf = (v) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');
const olderMinor = (m) => `${m.split('.')[0]}.${Number(m.split('.')[1]) - 1}`;
const lessThan126 = (m) => Number(m.split('.')[0]) < 1 || (m.split('.')[0] === '1' && Number(m.split('.')[1]) < 26);

/** installKubeadm: apt-get update, the version, the packages. Returns the U7S_KUBEVERSION in force
 * or, for the script's bare `exit` on a value without a leading v, { exitZero: true }. */
function installKubeadm(env) {
  logAction({ argv: ['apt-get', 'update'], parent: 'podsec-u7s-kubeadm', event: 'apt-update', exit: 0 });
  out('Get:1 http://ftp.altlinux.org p10/branch release [4223B]\nReading Package Lists... Done\n');
  const minors = Object.keys(REPOSITORY);
  const newest = minors[minors.length - 1];
  let kubeVersion = env.U7S_KUBEVERSION;
  let minor;
  if (!kubeVersion) {
    minor = newest;
    kubeVersion = `v${REPOSITORY[newest]}`;
  } else minor = minorOf(kubeVersion);
  if (!kubeVersion.startsWith('v')) {
    err(`${t('Variable value')} U7S_KUBEVERSION ${t('must start with a symbol')} 'v'\n`);
    return { exitZero: true };
  }
  if (lessThan126(minor)) fail(`${t('Minor version')}  kubeadm ${minor} ${t('less than 1.26 is not supported')}`);
  const installed = (readText('/var/lib/lab/packages') ?? '').split('\n');
  if (!installed.some((p) => p.startsWith(`kubernetes${minor}-kubeadm-`))) {
    while (!REPOSITORY[minor]) {
      minor = olderMinor(minor);
      if (lessThan126(minor)) fail(`${t('Minor version')} kubeadm ${minor} ${t('less than 1.26 is not supported')}`);
    }
    const pkgs = [`kubernetes${minor}-kubeadm`, `kubernetes${minor}-kubelet`, `kubernetes${minor}-crio`, `cri-tools${minor}`];
    err(`${t('Installing packages')}  ${pkgs.join(' ')}\n`);
    for (const p of pkgs) if (!installed.some((h) => h.startsWith(`${p}-`))) appendText('/var/lib/lab/packages', `${p}-${REPOSITORY[minor]}-alt1\n`);
    logAction({ argv: ['apt-get', 'install', '-y', ...pkgs], parent: 'podsec-u7s-kubeadm', event: 'apt-install', packages: pkgs, exit: 0 });
  }
  return { kubeVersion };
}

/** setRegistryName: the registry, and the registry/platform path images are pulled from. */
function setRegistryName(env, platform) {
  let registry;
  if (env.U7S_REGISTRY !== undefined && env.U7S_REGISTRY.length === 0) {
    registry = 'registry.k8s.io';
    platform = '';
  } else registry = /registry\.local/.test(readText('/etc/hosts') ?? '') ? 'registry.local' : 'registry.altlinux.org';
  const path = registryPath(platform);
  return { registry, platform, registryPlatform: path ? `${registry}/${path}` : registry };
}

/** The tags of registry.local/<repo>, as `curl http://registry.local/v2/<repo>/tags/list` sees
 * them from this node (nothing when the registry cannot be reached). A public registry (the
 * Internet mode) has every tag while the node reaches it (host.json publicRegistries), and none
 * when it does not: the real `curl -ks https://…/tags/list` then prints nothing. */
function registryTags(registry, repo) {
  if (registry !== 'registry.local') return reachesPublicRegistries() ? undefined : [];
  const ip = resolveName('registry.local');
  const regNode = ip ? nodeByAddress(ip) : undefined;
  if (!regNode || !isActive('docker-registry', regNode.name)) return [];
  return tagsOf(regNode.name, repo);
}

/** getKuberImages: every image of the version on the registry, and a flannel tag. */
function getKuberImages(s) {
  const path = registryPath(s.platform);
  const prefix = path ? `${path}/` : '';
  for (const { name, tag } of kubernetesImages(s.kubeVersion)) {
    const repo = `${prefix}${name}`;
    const tags = registryTags(s.registry, repo);
    if (tags === undefined || tags.includes(tag)) {
      err(`${t('Image version')} ${repo} ${t('with tag')} ${tag} ${t('available. Loading...')}\n`);
      continue;
    }
    err(`${t('Image version')} ${repo}  ${t('with tag')} ${tag} ${t('unavailable')}\n`);
    const minor = `v${minorOf(s.kubeVersion)}`;
    const inMinor = tags.filter((x) => x.startsWith(minor)).sort();
    if (inMinor.length === 0) {
      err(`${t('Within the specified minor version')} ${minor} ${t('no images available')}\n`);
      err(`${t('The following minor versions are available')}: ${[...new Set(tags.map((x) => `v${minorOf(x)}`))].join(' ')}\n`);
      err(`${t('and the following patch versions of images')}: ${tags.join(' ')}\n`);
      err(`${t('To install one of the specified image versions, specify the selected image version in the environment variable')}\nexport U7S_KUBEVERSION=...\n`);
    } else {
      const last = inMinor[inMinor.length - 1];
      err(`To install the latest patch versions ${last} images set environment variable:\nexport U7S_KUBEVERSION=${last}\n`);
    }
    throw new Fail('', 1);
  }
  const flannel = FLANNEL_IMAGES[0];
  const flannelTags = registryTags(s.registry, `${prefix}flannel`);
  if (flannelTags !== undefined && !flannelTags.some((x) => x.startsWith('v'))) {
    err(`${t('Image')} ${prefix}flannel ${t('on registry')} ${s.registry} ${t('unavailable')}\n`);
    return false;
  }
  return { flannelTag: flannel.tag };
}

/** The etcd question, before anything is deleted; false: the wrapper exits 1. */
async function clearEtcd(record) {
  if (!exists(`${ETCD_DIR}/member`)) return true;
  record.etcdQuestion = true;
  err(`${t('An etcd cluster data directory was found on the server')} ${ETCD_DIR}/member ${t('from previous deployment. Clear directory? y/N')}:\n`);
  const reply = await ask('');
  record.etcdAnswer = reply === null ? null : reply === 'y' ? 'y' : 'other';
  if (reply !== 'y') return false;
  remove(`${ETCD_DIR}/member`);
  return true;
}

/** kubeflannelYMLToALT: podsec-k8s's flannel manifest for the tag (getKubeFlannelFile:
 * /etc/podsec/u7s/manifests/kube-flannel/MAJOR/MINOR/PATCH/kube-flannel.yml) with its images on
 * the ALT registry. */
function flannelManifest(s, flannelTag) {
  const [major, minor, patch] = flannelTag.replace(/^v/, '').split('.');
  const source = readText(`/etc/podsec/u7s/manifests/kube-flannel/${major}/${minor}/${patch}/kube-flannel.yml`) ?? '';
  const base = `${s.registry}/${registryPath(s.platform) ? `${registryPath(s.platform)}/` : ''}`;
  return source.replace(/image: \S*flannel-cni-plugin:\S+/g, `image: ${base}flannel-cni-plugin:${FLANNEL_IMAGES[1].tag}`).replace(/image: \S*flannel\/flannel:\S+/g, `image: ${base}flannel:${flannelTag}`);
}

/** The first master's `until kubectl apply -f …kube-flannel.yml; do sleep 1; done`: unbounded. */
function applyFlannelForever(record) {
  for (;;) {
    const api = connectApi('/root/.kube/config');
    if (api.ok) break;
    sleepMs(1000);
  }
  const text = readText('/etc/kubernetes/manifests/kube-flannel.yml') ?? '';
  updateCluster((c) => {
    for (const o of objectsOf(text)) if (!c.manifests.includes(`${o.kind}/${o.name}`)) c.manifests.push(`${o.kind}/${o.name}`);
    if (!c.cni) c.cni = { name: 'flannel', manifest: '/etc/kubernetes/manifests/kube-flannel.yml', appliedAt: labNow() };
  });
  record.cni = 'flannel';
  logAction({ argv: ['kubectl', 'apply', '-f', '/etc/kubernetes/manifests/kube-flannel.yml'], parent: 'podsec-u7s-kubeadm', event: 'cni-applied', exit: 0 });
}

function deploymentFailed(error) {
  // kubeadm.sh runs under machinectl's terminal: its messages arrive on stdout, the wrapper's own
  // verdict on stderr.
  if (error.message) out(error.message.endsWith('\n') ? error.message : `${error.message}\n`);
  out('machinectl shell u7s-admin@ /bin/bash\n');
  fail(`${t('Cluster deployment failed')}.\nLogin as user u7s-admin:\nand check the status with the command 'systemctl --user u7s.service' and system logs with command journalctl`);
}

/** The wrapper's entry. */
export async function wrapper(args, record) {
  record.program = 'podsec-u7s-kubeadm';
  const env = process.env;
  if (currentUser() !== 'root') fail(`${t('Script')} ${process.argv[1] ?? 'podsec-u7s-kubeadm'} ${t('must be run as root user')}`);
  const { platform: detected, notice } = getPlatform(env);
  if (notice) err(notice);
  const version = installKubeadm(env);
  if (version.exitZero) return 0;
  const reg = setRegistryName(env, detected);
  const settings = { kubeVersion: version.kubeVersion, registry: reg.registry, platform: reg.platform };
  record.u7s = { ...settings, given: ['U7S_KUBEVERSION', 'U7S_REGISTRY', 'U7S_PLATFORM'].filter((k) => env[k] !== undefined) };

  const a = readWrapperArgs(args);
  if (a.garbled) record.garbled = a.garbled;
  record.cmd = a.cmd;
  if (a.help || (a.cmd !== 'init' && a.cmd !== 'join')) {
    const argv = a.help ? [a.cmd, ...a.subcommand.split(' '), '-h'].filter(Boolean) : nativeArgs(a);
    record.native = argv;
    if (!enterNamespace()) return 1;
    process.env.LAB_U7S_NAMESPACE = '1';
    process.env.LAB_USER = 'u7s-admin';
    const inner = {};
    try {
      return await nativeKubeadm(argv, inner);
    } finally {
      record.namespace = inner.namespace;
      if (inner.event) record.event = inner.event;
    }
  }

  const images = getKuberImages(settings);
  if (!images) return 0;
  if (!(await clearEtcd(record))) return 1;
  writeText('/etc/sysctl.d/90-ipforward.conf', 'net.ipv4.ip_forward = 1\n');
  writeText('/etc/kubernetes/manifests/kube-flannel.yml', flannelManifest(settings, images.flannelTag));
  copyAuditPolicy();
  record.wiped = wipePreviousConfig();
  let code;
  try {
    code = a.cmd === 'init' ? await clusterInit(a.flags, settings, record) : await clusterJoin(a.subcommand, a.flags, settings, record);
  } catch (e) {
    if (e instanceof Fail) deploymentFailed(e);
    throw e;
  }
  setUnitState('u7s', { enabled: true, active: true, since: new Date().toISOString() });
  if (a.cmd === 'init') applyFlannelForever(record);
  if (code === 0 && (a.cmd === 'init' || a.flags['control-plane'] !== undefined)) {
    // tuneAudit, then u7s restarts (stop, start) so kube-apiserver runs with the audit flags.
    const path = registryPath(settings.platform);
    const image = `${settings.registry}/${path ? `${path}/` : ''}kube-apiserver:${settings.kubeVersion}`;
    record.auditTuned = tuneAudit({ advertise: a.flags['apiserver-advertise-address'] ?? nodeInfo()?.internalAddress ?? '', image });
  }
  return code;
}
