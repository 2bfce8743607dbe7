// Where podsec-k8s keeps its state on a node and how to drive its kubeadm wrapper: the PATH
// prefix, the U7S_* environment, and the markers that say whether an init or join finished.
import type { Cluster } from '../../engine/model.js';

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

/** U7S_KUBEVERSION / U7S_REGISTRY / U7S_PLATFORM from the inventory's cluster section. */
export function u7sEnv(cluster: Cluster): Record<string, string> {
  const env: Record<string, string> = {};
  if (cluster.kubeVersion !== undefined) env['U7S_KUBEVERSION'] = cluster.kubeVersion;
  if (cluster.registry !== undefined) env['U7S_REGISTRY'] = cluster.registry;
  if (cluster.platform !== undefined) env['U7S_PLATFORM'] = cluster.platform;
  return env;
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
