// The simulated cluster's state (cluster.json) as Kubernetes API objects: Nodes (with their Ready
// condition), bootstrap-token Secrets, the kube-public/cluster-info ConfigMap with its JWS
// signatures, the flannel DaemonSet's pods. One source for the lab's API server and the kubectl
// stand-in, so both tell the same story.
import { createHash, createHmac } from 'node:crypto';
import { labState } from './env.mjs';
import { labNow } from './clock.mjs';
import { nodeReady } from './cluster.mjs';
import { pullProblem } from './registry.mjs';

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const uid = (...parts) => {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
const b64 = (text) => Buffer.from(text).toString('base64');
const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** `kubectl get nodes`-style age: 45s, 12m, 5h, 3d. */
export function age(ms) {
  return ms < 120_000 ? `${Math.max(1, Math.round(ms / 1000))}s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)}m` : ms < 172_800_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 86_400_000)}d`;
}

/** Every node with what kubectl shows about it: ready, status, roles. */
export function nodeViews(cluster) {
  const delay = labState().readyDelayMs ?? 1000;
  // sorted by name, as etcd's key order gives them
  return Object.entries(cluster.nodes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, n]) => {
    const ready = nodeReady(cluster, name, delay) && !pullProblem(name, cluster.registry, cluster.platform, cluster.kubeVersion);
    return { name, ...n, ready, status: ready ? (n.unschedulable ? 'Ready,SchedulingDisabled' : 'Ready') : n.unschedulable ? 'NotReady,SchedulingDisabled' : 'NotReady', roles: n.controlPlane ? 'control-plane' : '<none>' };
  });
}

export function nodeObject(cluster, v) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: v.name,
      uid: uid(cluster.id, v.name, String(v.joinedAt)),
      resourceVersion: String(v.resourceVersion ?? v.joinedAt),
      creationTimestamp: iso(v.joinedAt),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': v.name,
        'kubernetes.io/os': 'linux',
        ...(v.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
        ...v.labels,
      },
      ...(v.annotations ? { annotations: v.annotations } : {}),
    },
    spec: { ...(v.unschedulable ? { unschedulable: true } : {}), ...(v.taints?.length ? { taints: v.taints } : {}) },
    status: {
      addresses: [
        { type: 'InternalIP', address: v.address },
        { type: 'Hostname', address: v.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: v.ready ? 'True' : 'False',
          lastHeartbeatTime: iso(labNow()),
          lastTransitionTime: iso(v.joinedAt),
          reason: v.ready ? 'KubeletReady' : cluster.cni ? 'KubeletNotReady' : 'NetworkPluginNotReady',
          message: v.ready ? 'kubelet is posting ready status' : cluster.cni ? 'container runtime is starting' : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
        },
      ],
      nodeInfo: {
        architecture: 'amd64',
        kernelVersion: '6.1.79-un-def-alt1',
        kubeletVersion: cluster.kubeVersion ?? 'v1.28.3',
        kubeProxyVersion: cluster.kubeVersion ?? 'v1.28.3',
        operatingSystem: 'linux',
        osImage: 'ALT Server 10.2 (Mendelevium)',
        containerRuntimeVersion: 'cri-o://1.28.2',
      },
    },
  };
}

export function nodeList(cluster) {
  return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: String(labNow()) }, items: nodeViews(cluster).map((v) => nodeObject(cluster, v)) };
}

/** The columns the real API server prints nodes with (meta.k8s.io/v1 Table); wide ones have priority 1. */
const NODE_COLUMNS = [
  ['Name', 'string', 'name', 0],
  ['Status', 'string', '', 0],
  ['Roles', 'string', '', 0],
  ['Age', 'string', '', 0],
  ['Version', 'string', '', 0],
  ['Internal-IP', 'string', '', 1],
  ['External-IP', 'string', '', 1],
  ['OS-Image', 'string', '', 1],
  ['Kernel-Version', 'string', '', 1],
  ['Container-Runtime', 'string', '', 1],
];

export function nodeTable(cluster, views, includeObject = 'Metadata') {
  const now = labNow();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(now) },
    columnDefinitions: NODE_COLUMNS.map(([name, type, format, priority]) => ({ name, type, format, description: name, priority })),
    rows: views.map((v) => {
      const obj = nodeObject(cluster, v);
      return {
        cells: [v.name, v.status, v.roles, age(now - v.joinedAt), obj.status.nodeInfo.kubeletVersion, v.address, '<none>', obj.status.nodeInfo.osImage, obj.status.nodeInfo.kernelVersion, obj.status.nodeInfo.containerRuntimeVersion],
        object: includeObject === 'None' ? undefined : includeObject === 'Object' ? obj : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
      };
    }),
  };
}

/** Bootstrap tokens alive at lab time `now` (the real token cleaner deletes expired ones). */
export function liveTokens(cluster, now = labNow()) {
  return cluster.tokens.filter((t) => t.expires === null || t.expires > now);
}

export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const TOKEN_GROUPS = 'system:bootstrappers:kubeadm:default-node-token';

/** A token as kubeadm stores it: Secret kube-system/bootstrap-token-<id>. */
export function tokenSecret(cluster, t) {
  const [id, secret] = t.token.split('.');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: TOKEN_SECRET_TYPE,
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system', uid: uid(cluster.id, t.token), resourceVersion: String(t.createdAt), creationTimestamp: iso(t.createdAt) },
    data: {
      'token-id': b64(id),
      'token-secret': b64(secret),
      ...(t.expires === null ? {} : { expiration: b64(iso(t.expires)) }),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(t.groups ?? TOKEN_GROUPS),
      ...(t.description ? { description: b64(t.description) } : {}),
    },
  };
}

/** Secrets as the real API server prints them (meta.k8s.io/v1 Table). */
export function secretTable(secrets, includeObject = 'Metadata') {
  const now = labNow();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(now) },
    columnDefinitions: [
      ['Name', 'string', 'name'],
      ['Type', 'string', ''],
      ['Data', 'string', ''],
      ['Age', 'string', ''],
    ].map(([name, type, format]) => ({ name, type, format, description: name, priority: 0 })),
    rows: secrets.map((s) => ({
      cells: [s.metadata.name, s.type, Object.keys(s.data).length, age(now - Date.parse(s.metadata.creationTimestamp))],
      object: includeObject === 'None' ? undefined : includeObject === 'Object' ? s : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: s.metadata },
    })),
  };
}

/** The detached JWS kube-controller-manager's bootstrap signer puts in cluster-info for a token:
 * HS256 keyed by the token secret over the kubeconfig, payload left out (`header..signature`). */
export function detachedJws(content, tokenId, tokenSecret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  return `${header}..${b64url(signature)}`;
}

/** kube-public/cluster-info: the CA and endpoint every joining node discovers, signed per token. */
export function clusterInfo(cluster) {
  const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(cluster.ca.cert)}
    server: https://${cluster.endpoint}
  name: ""
contexts: null
current-context: ""
kind: Config
preferences: {}
users: null
`;
  const data = { kubeconfig };
  for (const t of liveTokens(cluster)) {
    if (t.signing === false) continue;
    const [id, secret] = t.token.split('.');
    data[`jws-kubeconfig-${id}`] = detachedJws(kubeconfig, id, secret);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-info', namespace: 'kube-public', uid: uid(cluster.id, 'cluster-info'), resourceVersion: String(cluster.initializedAt ?? 0), creationTimestamp: iso(cluster.initializedAt ?? 0) },
    data,
  };
}

/** flannel's DaemonSet once the CNI is applied (kubectl drain --ignore-daemonsets looks its pods' owner up). */
export function daemonSets(cluster) {
  if (!cluster.cni) return [];
  const n = Object.keys(cluster.nodes).length;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel', uid: uid(cluster.id, 'ds'), creationTimestamp: iso(cluster.cni.appliedAt), labels: { app: 'flannel' } },
      spec: { selector: { matchLabels: { app: 'flannel' } } },
      status: { currentNumberScheduled: n, desiredNumberScheduled: n, numberReady: n, numberMisscheduled: 0 },
    },
  ];
}

/** Pods the lab knows: flannel's DaemonSet pod on every node once the CNI is applied. */
export function pods(cluster) {
  if (!cluster.cni) return [];
  return Object.entries(cluster.nodes).map(([name, n]) => {
    const suffix = createHash('sha256').update(name).digest('hex').slice(0, 5);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `kube-flannel-ds-${suffix}`,
        namespace: 'kube-flannel',
        uid: uid(cluster.id, 'pod', name),
        creationTimestamp: iso(Math.max(n.joinedAt, cluster.cni.appliedAt)),
        labels: { app: 'flannel', 'k8s-app': 'flannel' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-flannel-ds', uid: uid(cluster.id, 'ds'), controller: true, blockOwnerDeletion: true }],
      },
      spec: { nodeName: name, containers: [{ name: 'kube-flannel', image: 'registry.local/k8s-p10/flannel:v0.22.3' }] },
      status: { phase: 'Running' },
    };
  });
}
