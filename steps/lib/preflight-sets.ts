// The preflight checks the podsec step kinds share: what every Kubernetes node needs before
// `kubeadm init|join` (the wrapper runs apt, pulls images, starts rootlesskit on fixed ports),
// and the port sets rootlesskit publishes. Kinds list these next to their own checks.
import type { PreflightContext } from '../../engine/step-kind.js';
import { isControlPlane } from './cluster-hosts.js';
import { endpointReachable, kubeadmState, kubeadmWillRunFresh, uniqueHostname, uniqueInternalAddress, uniqueMachineId, vipInSubnet } from './preflight-cluster.js';
import {
  aptSourcesAnswer,
  cgroupV2,
  clockInStep,
  diskFree,
  GiB,
  hostnameIsNodeName,
  internalAddressHeld,
  kernelAtLeast,
  packageInstalled,
  portsFree,
  swapOff,
  userNamespaces,
  type AnyCheck,
} from './preflight-host.js';

/** rootlesskit publishes these on 0.0.0.0 (PODSEC-FACTS): control planes all, workers the kubelet's. */
export const CONTROL_PLANE_PORTS = { tcp: [2379, 2380, 6443, 10250, 10255, 10256], udp: [8472] } as const;
export const WORKER_PORTS = { tcp: [10250, 10255, 10256], udp: [8472] } as const;

const podsecK8s = packageInstalled('podsec-k8s', "podsec's Kubernetes: the kubeadm wrapper and u7s");

/** Every host that becomes a Kubernetes node. */
function nodeChecks(op: 'init' | 'join'): AnyCheck[] {
  return [
    podsecK8s,
    kernelAtLeast(5, 15),
    swapOff,
    cgroupV2,
    userNamespaces,
    clockInStep(),
    internalAddressHeld,
    hostnameIsNodeName,
    uniqueHostname,
    uniqueMachineId,
    uniqueInternalAddress,
    diskFree(5 * GiB, 'the Kubernetes images and etcd need room'),
    aptSourcesAnswer,
    kubeadmState(op),
  ];
}

export const KUBEADM_INIT_CHECKS: AnyCheck[] = [
  ...nodeChecks('init'),
  portsFree({
    id: 'cluster-ports-free',
    title: 'the ports rootlesskit publishes are free',
    ...CONTROL_PLANE_PORTS,
    why: 'rootlesskit publishes them for the API server, etcd, the kubelet and flannel',
    notNeeded: (ctx) => kubeadmWillRunFresh(ctx, 'init'),
  }),
  vipInSubnet,
];

function joinsAsControlPlane(ctx: PreflightContext, w: unknown): boolean {
  const given = (w as { controlPlane?: unknown }).controlPlane;
  return typeof given === 'boolean' ? given : isControlPlane(ctx.host);
}

export const KUBEADM_JOIN_CHECKS: AnyCheck[] = [
  ...nodeChecks('join'),
  {
    id: 'cluster-ports-free',
    title: () => 'the ports rootlesskit publishes are free',
    evaluate(ctx, w) {
      const cp = joinsAsControlPlane(ctx, w);
      return portsFree({
        id: 'cluster-ports-free',
        title: '',
        ...(cp ? CONTROL_PLANE_PORTS : WORKER_PORTS),
        why: cp ? 'rootlesskit publishes them for the API server, etcd, the kubelet and flannel' : 'rootlesskit publishes them for the kubelet and flannel',
        notNeeded: (c) => kubeadmWillRunFresh(c, 'join'),
      }).evaluate(ctx, w);
    },
  },
  {
    id: 'vip-subnet',
    title: () => "the VIP is in this host's subnet",
    evaluate: (ctx, w) => (joinsAsControlPlane(ctx, w) ? vipInSubnet.evaluate(ctx, w) : { ok: true, detail: 'a worker: reaches the VIP through its routes' }),
  },
  endpointReachable,
];
