// Where podsec-k8s keeps its state on a node and how to drive its kubeadm wrapper: the PATH
// prefix, the U7S_* environment every wrapper call carries, and the markers that say whether an
// init or join finished.
import type { Cluster } from '../../engine/model.js';
import type { StepContext } from '../../engine/step-kind.js';
import { masterHost } from './cluster-hosts.js';
import { stepError } from './fail.js';
import { clusterPlatform } from './platform.js';
import { readIfExists, remoteFor } from './remote.js';
import type { KubeClient } from './kube-api-client.js';
import { apiStepError } from './kubeconfig-file.js';

/** Prefix that puts the podsec wrapper (podsec-u7s-kubeadm) first as `kubeadm`. */
export const U7S_PATH = 'export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; ';

export const ADMIN_CONF = '/etc/kubernetes/admin.conf';
export const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
export const ETCD_MEMBER = '/var/lib/podsec/u7s/etcd/member';
/** podsec-play's own markers on a node (never inside /etc/kubernetes: the wrapper wipes it). */
export const MARKER_DIR = '/var/lib/podsec-play';
export const INIT_STARTED = '/var/lib/podsec-play/kubeadm-init.started';
export const JOIN_STARTED = '/var/lib/podsec-play/kubeadm-join.started';
/** flock(1) file that keeps two kubeadm runs (a resumed attempt and an orphan) apart. */
export const KUBEADM_LOCK = '/var/lib/podsec-play/kubeadm.lock';
/** Exit code flock gives when the lock is held (`-E`), unlike anything kubeadm returns. */
export const LOCK_BUSY_EXIT = 75;

/** podsec-k8s's env file: the wrapper records there the U7S_* values it used. */
export const U7S_ENV_FILE = '/etc/podsec/u7s/config/env';

/** U7S_KUBEVERSION / U7S_REGISTRY / U7S_PLATFORM from the inventory's cluster section. */
export function u7sEnv(cluster: Cluster): Record<string, string> {
  const env: Record<string, string> = {};
  if (cluster.kubeVersion !== undefined) env['U7S_KUBEVERSION'] = cluster.kubeVersion;
  if (cluster.registry !== undefined) env['U7S_REGISTRY'] = cluster.registry;
  if (cluster.platform !== undefined) env['U7S_PLATFORM'] = cluster.platform;
  return env;
}

/** The last `NAME=value` of an env file. */
export function envValue(text: string, name: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = new RegExp(`^${name}=(.*)$`).exec(line.trim());
    if (m?.[1] !== undefined) value = m[1].replace(/^'(.*)'$/, '$1');
  }
  return value !== undefined && value.length > 0 ? value : undefined;
}

export interface WrapperSettings {
  kubeVersion?: string;
  registry?: string;
  platform?: string;
}

/**
 * The U7S_* environment of a wrapper call (init or join): without U7S_KUBEVERSION the wrapper
 * installs the newest Kubernetes minor its repository offers and fails when the registry has no
 * images of that tag, so the version is required — the step's, the inventory's, or (joins) the
 * one the master's wrapper recorded at init. One platform for the cluster (platform.ts). The
 * registry only when the inventory names one (the wrapper ignores a non-empty value when
 * /etc/hosts names registry.local; an empty one means registry.k8s.io).
 */
export async function wrapperEnv(ctx: StepContext, w: WrapperSettings, o: { fromMaster: boolean; api?: KubeClient }): Promise<Record<string, string>> {
  let kubeVersion = w.kubeVersion ?? ctx.cluster.kubeVersion;
  if (kubeVersion === undefined && o.fromMaster) {
    const master = masterHost(ctx);
    const text = (await readIfExists(await remoteFor(ctx, master.name), U7S_ENV_FILE))?.toString('utf8') ?? '';
    kubeVersion = envValue(text, 'U7S_KUBEVERSION');
  }
  if (kubeVersion === undefined && o.api !== undefined) kubeVersion = await controlPlaneVersion(ctx, o.api);
  if (kubeVersion === undefined) {
    throw stepError(
      ctx,
      "set cluster.kubeVersion (the cluster's U7S_KUBEVERSION, e.g. v1.28.3): without it podsec's kubeadm wrapper installs the newest Kubernetes minor its repository offers and fails when the registry has no images of that tag",
    );
  }
  const env: Record<string, string> = { U7S_KUBEVERSION: kubeVersion, U7S_PLATFORM: await clusterPlatform(ctx, w.platform, { reachMaster: o.fromMaster }) };
  const registry = w.registry ?? ctx.cluster.registry;
  if (registry !== undefined) env['U7S_REGISTRY'] = registry;
  return env;
}

/** The kubelet version the cluster's control planes report through the API (a sealed master's
 * env file is out of reach); undefined when they disagree or none reports one. */
async function controlPlaneVersion(ctx: StepContext, api: KubeClient): Promise<string | undefined> {
  let nodes;
  try {
    nodes = await api.listNodes();
  } catch (err) {
    throw apiStepError(ctx, err, "cannot read the control planes' Kubernetes version: ");
  }
  const versions = new Set(
    nodes
      .filter((n) => Object.keys(n.metadata?.labels ?? {}).includes('node-role.kubernetes.io/control-plane'))
      .map((n) => n.status?.nodeInfo?.kubeletVersion)
      .filter((v): v is string => typeof v === 'string' && v.length > 0),
  );
  const [only] = versions;
  return versions.size === 1 ? only : undefined;
}

/** What a node says about its kubeadm state, read in one round trip. */
export interface NodeState {
  adminConf: boolean;
  kubeletConf: boolean;
  etcdMember: boolean;
  u7sEnabled: boolean;
  initStarted: boolean;
  joinStarted: boolean;
}

export const NODE_STATE_COMMAND = [
  `test -e ${ADMIN_CONF} && echo admin-conf`,
  `test -e ${KUBELET_CONF} && echo kubelet-conf`,
  `test -d ${ETCD_MEMBER} && echo etcd-member`,
  'systemctl is-enabled u7s >/dev/null 2>&1 && echo u7s-enabled',
  `test -e ${INIT_STARTED} && echo init-started`,
  `test -e ${JOIN_STARTED} && echo join-started`,
  'true',
].join('; ');

export function parseNodeState(stdout: string): NodeState {
  const words = new Set(stdout.split(/\s+/).filter(Boolean));
  return {
    adminConf: words.has('admin-conf'),
    kubeletConf: words.has('kubelet-conf'),
    etcdMember: words.has('etcd-member'),
    u7sEnabled: words.has('u7s-enabled'),
    initStarted: words.has('init-started'),
    joinStarted: words.has('join-started'),
  };
}

/** Words for messages: which markers a node has. */
export function describeState(s: NodeState): string {
  const parts: string[] = [];
  if (s.adminConf) parts.push(ADMIN_CONF);
  if (s.kubeletConf) parts.push(KUBELET_CONF);
  if (s.etcdMember) parts.push(ETCD_MEMBER);
  if (s.u7sEnabled) parts.push('u7s.service enabled');
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}
