// The simulated kubeadm: the native /usr/bin/kubeadm (token create/list/delete/generate, init
// phase upload-certs, certs certificate-key, reset, version, config images list) and the cluster
// work the podsec wrapper's kubeadm.sh does inside u7s-admin's namespace for init and join
// (clusterInit, clusterJoin). Rules as a real cluster keeps them: see lab/README.md ("kubeadm").
// Models kubeadm v1.28 as podsec-k8s runs it (alt-cloud/podsec commit 5014172).
import { fail, out } from './main.mjs';
import { parseFlags } from './flags.mjs';
import { currentUser, nodeInfo, NODE, labState } from './env.mjs';
import { updateCluster, readCluster, emptyCluster, addToken, uploadCerts, validToken, validCertificateKey, hex, newToken, controlPlanes, TOKEN_TTL } from './cluster.mjs';
import { labNow, parseDuration } from './clock.mjs';
import { reachApi, splitHostPort } from './net.mjs';
import { connectApi } from './api.mjs';
import { unitState } from './services.mjs';
import { parseHaproxy, boundPorts } from './haproxy-config.mjs';
import { pullProblem, kubernetesImages } from './registry.mjs';
import { ask } from './prompt.mjs';
import { processAlive, sleepMs } from './lock.mjs';
import { writeEnvFile, writeNodeFiles, resetNodeFiles, controlPlaneCredentials } from './kubeadm-node.mjs';
import { makeCa, caHashOf } from './pki.mjs';

const phaseError = (phase, message) => fail(`error execution phase ${phase}: ${message}\nTo see the stack trace of this error execute with --v=5 or higher`);

/** Root on the host, or u7s-admin inside its RootlessKit namespaces (nsenter_u7s: root there). */
function requireRoot() {
  if (currentUser() === 'root' || (process.env.LAB_U7S_NAMESPACE === '1' && currentUser() === 'u7s-admin')) return;
  fail('[preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`');
}

function portClash(port) {
  const h = unitState('haproxy');
  if (!h.active || typeof h.config !== 'string') return false;
  return boundPorts(parseHaproxy(h.config)).includes(port);
}

function preflight(errors) {
  if (errors.length) {
    fail(`error execution phase preflight: [preflight] Some fatal errors occurred:\n${errors.map((e) => `\t[ERROR ${e}`).join('\n')}\n[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\`\nTo see the stack trace of this error execute with --v=5 or higher`);
  }
}

function joinLines(endpoint, token, caHash, certKey) {
  const cp = `  kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash sha256:${caHash} \\\n\t--control-plane --certificate-key ${certKey}`;
  const worker = `kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash sha256:${caHash} `;
  return { cp, worker };
}

/**
 * kubeadm init as the wrapper's kubeadm.sh runs it (always with --upload-certs). `flags`: the
 * wrapper's FLAG_xxx values; `settings`: the U7S_* values the wrapper settled on.
 */
export async function clusterInit(flags, settings, record) {
  const me = nodeInfo();
  const advertise = flags['apiserver-advertise-address'] ?? me.internalAddress;
  const cpe = flags['control-plane-endpoint'];
  const errors = [];
  if (advertise !== me.internalAddress) errors.push(`Port-6443]: cannot bind ${advertise}:6443: the address is not an address of this host`);
  if (cpe !== undefined && !splitHostPort(cpe)) errors.push(`ControlPlaneEndpoint]: "${cpe}" is not a valid host:port`);
  if (portClash(6443)) errors.push('Port-6443]: Port 6443 is in use');
  const pull = pullProblem(NODE, settings.registry, settings.platform, settings.kubeVersion);
  if (pull) errors.push(`ImagePull]: ${pull}`);
  preflight(errors);
  if (flags['certificate-key'] !== undefined && !/^[0-9a-f]{64}$/.test(flags['certificate-key'])) fail('error execution phase upload-certs: invalid certificate key: expected 64 hex characters');

  const endpoint = cpe ?? `${advertise}:6443`;
  const ttl = flags['token-ttl'] !== undefined ? parseDuration(flags['token-ttl']) : TOKEN_TTL;
  if (ttl === undefined) fail(`invalid argument "${flags['token-ttl']}" for "--token-ttl" flag`);
  // [certs]: a new cluster CA, and the control plane's client certificates signed by it
  const ca = await makeCa();
  const creds = await controlPlaneCredentials(ca);
  const fresh = updateCluster((c) => {
    Object.assign(c, emptyCluster(), {
      id: hex(8),
      initializedAt: labNow(),
      initNode: NODE,
      endpoint,
      controlPlaneEndpoint: cpe ?? null,
      ca,
      caHash: caHashOf(ca.cert),
      ...settings,
    });
    c.nodes[NODE] = { controlPlane: true, address: me.internalAddress, joinedAt: labNow() };
    const token = flags.token ?? addToken(c, ttl);
    if (flags.token) c.tokens.push({ token: flags.token, createdAt: labNow(), expires: ttl === 0 ? null : labNow() + ttl, description: '' });
    const certKey = uploadCerts(c, flags['certificate-key']);
    return { id: c.id, token, certKey, caHash: c.caHash };
  });
  writeNodeFiles({ clusterId: fresh.id, ca, server: endpoint, controlPlane: true, advertise, creds });
  if (cpe !== undefined) {
    const hp = splitHostPort(cpe);
    // kubeadm waits up to 4m0s for the control plane through its endpoint
    const reach = reachApi(readCluster(), hp.host, hp.port, NODE, { waitMs: 240_000 });
    if (!reach.ok) {
      updateCluster((c) => Object.assign(c, emptyCluster()));
      phaseError('upload-config/kubeadm', `error uploading the kubeadm ClusterConfiguration: Get "https://${cpe}/api/v1/namespaces/kube-system/configmaps/kubeadm-config?timeout=10s": ${reach.error}`);
    }
  }
  // podsec-u7s-kubeadm writes its flags, not what kubeadm generated: U7S_TOKEN and the key (the
  // script's misspelt U7S_CERIFICATEKEY) only when given as --token / --certificate-key
  writeEnvFile({ U7S_KUBEVERSION: settings.kubeVersion, U7S_REGISTRY: settings.registry, U7S_PLATFORM: settings.platform, U7S_CONTROLPLANE: 'initMaster', U7S_APISERVERENDPOINT: endpoint, U7S_TOKEN: flags.token ?? '', U7S_CACERTHASH: '', U7S_CERIFICATEKEY: flags['certificate-key'] ?? '' });
  record.event = 'init';
  record.endpoint = endpoint;
  const lines = joinLines(endpoint, fresh.token, fresh.caHash, fresh.certKey);
  out(`[init] Using Kubernetes version: ${settings.kubeVersion}
[preflight] Running pre-flight checks
[certs] Using certificateDir folder "/etc/kubernetes/pki"
[kubeconfig] Writing "admin.conf" kubeconfig file
[kubeconfig] Writing "kubelet.conf" kubeconfig file
[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"
[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace
[upload-certs] Using certificate key:
${flags['skip-certificate-key-print'] ? '' : fresh.certKey}
[bootstrap-token] Using token: ${flags['skip-token-print'] ? '<value withheld>' : fresh.token}
[addons] Applied essential addon: CoreDNS
[addons] Applied essential addon: kube-proxy

Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

You can now join any number of the control-plane node running the following command on each as root:

${lines.cp}

Please note that the certificate-key gives access to cluster sensitive data, keep it secret!
As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use
"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.

Then you can join any number of worker nodes by running the following on each as root:

${lines.worker}
`);
  return 0;
}

/** Serialise control-plane joins: a second etcd member add while one runs fails, like etcd. */
function claimEtcdJoin() {
  const busy = updateCluster((c) => {
    const j = c.etcdJoin;
    if (j && j.node !== NODE && processAlive(j.pid)) return j.node;
    c.etcdJoin = { node: NODE, pid: process.pid, since: Date.now() };
    return undefined;
  });
  if (busy) phaseError('control-plane-join/etcd', `error creating local etcd static pod manifest file: etcdserver: unhealthy cluster (member ${busy} is being added; join control planes one at a time)`);
}

function releaseEtcdJoin() {
  updateCluster((c) => {
    if (c.etcdJoin?.node === NODE) c.etcdJoin = null;
  });
}

/** kubeadm join as the wrapper's kubeadm.sh runs it: `endpoint` is the wrapper's subcommand. */
export async function clusterJoin(endpoint, flags, settings, record) {
  const controlPlane = flags['control-plane'] === '1';
  const token = flags['discovery-token'] ?? flags.token;
  if (!endpoint) fail('discovery: Invalid value: "": bootstrapToken.APIServerEndpoint or file is required');
  const hp = splitHostPort(endpoint);
  if (!hp) fail(`discovery.bootstrapToken.apiServerEndpoint: Invalid value: "${endpoint}": address ${endpoint}: missing port in address`);
  if (!token || !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) fail(`[discovery.bootstrapToken.token: Invalid value: "${token ? '<redacted>' : ''}": the bootstrap token is invalid, discovery.tlsBootstrapToken: Invalid value: "": the bootstrap token is invalid]`);
  const hashes = flags['discovery-token-ca-cert-hash'] ? [flags['discovery-token-ca-cert-hash']] : [];
  if (hashes.length === 0 && !flags['discovery-token-unsafe-skip-ca-verification']) {
    fail('discovery.bootstrapToken: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
  }
  record.event = controlPlane ? 'join-control-plane' : 'join-worker';
  record.endpoint = endpoint;

  let cluster = readCluster();
  const me = nodeInfo();
  const errors = [];
  if (cluster.nodes[NODE]) {
    errors.push(`NodeName]: a Node with name "${NODE}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`);
  }
  if (controlPlane && portClash(6443)) errors.push('Port-6443]: Port 6443 is in use');
  if (controlPlane) {
    const pull = pullProblem(NODE, settings.registry, settings.platform, settings.kubeVersion);
    if (pull) errors.push(`ImagePull]: ${pull}`);
  }
  preflight(errors);

  const discovery = `couldn't validate the identity of the API Server`;
  // discovery retries until --discovery-timeout (5m0s)
  const reach = reachApi(cluster, hp.host, hp.port, NODE, { waitMs: 300_000 });
  if (!reach.ok) phaseError('preflight', `${discovery}: Get "https://${endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s": ${reach.error}`);
  if (!validToken(cluster, token).ok) {
    phaseError('preflight', `${discovery}: could not find a JWS signature in the cluster-info ConfigMap for token ID "${token.split('.')[0]}"`);
  }
  if (!flags['discovery-token-unsafe-skip-ca-verification'] && !hashes.includes(`sha256:${cluster.caHash}`)) {
    phaseError('preflight', `${discovery}: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:${cluster.caHash.slice(0, 8)}…" are pinned`);
  }
  if (controlPlane) {
    if (!cluster.controlPlaneEndpoint) {
      phaseError('preflight', "\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\nunable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n");
    }
    const key = flags['certificate-key'];
    if (key === undefined) phaseError('control-plane-prepare/certs', "error creating PKI assets: failed to load certificate for CA: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory");
    const valid = validCertificateKey(cluster, key);
    if (!valid.ok && valid.reason === 'expired') {
      phaseError('control-plane-prepare/download-certs', 'error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a control plane to generate a new one');
    }
    if (!valid.ok) phaseError('control-plane-prepare/download-certs', 'error downloading certs: error decoding certificate key: failed to decrypt data: cipher: message authentication failed');
    claimEtcdJoin();
    try {
      sleepMs(300); // adding an etcd member takes a while: overlapping joins must be able to meet
      cluster = updateCluster((c) => {
        c.nodes[NODE] = { controlPlane: true, address: me.internalAddress, joinedAt: labNow() };
        c.etcdJoin = null;
        return c;
      });
    } finally {
      releaseEtcdJoin();
    }
  } else {
    cluster = updateCluster((c) => {
      c.nodes[NODE] = { controlPlane: false, address: me.internalAddress, joinedAt: labNow() };
      return c;
    });
  }
  // [download-certs] control planes get the cluster CA (key included) and their own client certificates
  const creds = controlPlane ? await controlPlaneCredentials(cluster.ca) : undefined;
  writeNodeFiles({ clusterId: cluster.id, ca: controlPlane ? cluster.ca : { cert: cluster.ca.cert }, server: controlPlane ? cluster.controlPlaneEndpoint : endpoint, controlPlane, advertise: me.internalAddress, creds });
  writeEnvFile({ U7S_KUBEVERSION: settings.kubeVersion, U7S_REGISTRY: settings.registry, U7S_PLATFORM: settings.platform, U7S_CONTROLPLANE: controlPlane ? 'master' : '', U7S_APISERVERENDPOINT: endpoint, U7S_TOKEN: token, U7S_CACERTHASH: hashes[0] ?? '', U7S_CERIFICATEKEY: flags['certificate-key'] ?? '' });
  out(`[preflight] Running pre-flight checks
[preflight] Reading configuration from the cluster...
${controlPlane ? '[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[etcd] Announced new etcd member joining to the existing etcd cluster\n' : ''}[kubelet-start] Starting the kubelet
[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...

This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.
${controlPlane ? '* Control plane label and taint were applied to the new node.\n* The Kubernetes control plane instances scaled up.\n* A new etcd member was added to the local/stacked etcd cluster.\n' : ''}
Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
`);
  return 0;
}

/** Subcommands that talk to the cluster with admin.conf (token, upload-certs). */
function adminCluster(flags) {
  const path = flags.kubeconfig ?? '/etc/kubernetes/admin.conf';
  const api = connectApi(path);
  if (api.ok) return api.cluster;
  if (api.kind === 'missing') fail(`failed to load admin kubeconfig: ${api.error}\nTo see the stack trace of this error execute with --v=5 or higher`);
  return fail(`${api.kind === 'x509' ? `Get "https://${api.server}/api?timeout=32s": ${api.error}` : `Get "https://${api.server}/api?timeout=32s": ${api.error}`}\nTo see the stack trace of this error execute with --v=5 or higher`);
}

function token(args, record) {
  const [sub, ...rest] = args;
  if (sub === 'generate') {
    out(`${newToken()}\n`);
    return 0;
  }
  const { flags, positionals } = parseFlags(rest, { kubeconfig: 'string', 'print-join-command': 'bool', ttl: 'string', description: 'string', usages: 'string', groups: 'string', v: 'string', 'dry-run': 'bool', 'certificate-key': 'string', output: 'string' }, { '-o': 'output' }, `kubeadm token ${sub ?? ''}`);
  adminCluster(flags);
  if (sub === 'create') {
    if (positionals.length > 1) fail(`accepts at most 1 arg(s), received ${positionals.length}`);
    const ttl = flags.ttl !== undefined ? parseDuration(flags.ttl) : TOKEN_TTL;
    if (ttl === undefined) fail(`invalid argument "${flags.ttl}" for "--ttl" flag`);
    const given = positionals[0];
    if (given !== undefined && !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(given)) fail(`token "<redacted>" was not of form "\\A([a-z0-9]{6})\\.([a-z0-9]{16})\\z"`);
    const made = updateCluster((c) => {
      let t = given;
      if (t) c.tokens.push({ token: t, createdAt: labNow(), expires: ttl === 0 ? null : labNow() + ttl, description: flags.description ?? '' });
      else t = addToken(c, ttl, flags.description ?? '');
      return { token: t, endpoint: c.endpoint, caHash: c.caHash };
    });
    record.event = 'token-created';
    if (flags['print-join-command']) {
      const cp = flags['certificate-key'] ? ` --control-plane --certificate-key ${flags['certificate-key']}` : '';
      out(`kubeadm join ${made.endpoint} --token ${made.token} --discovery-token-ca-cert-hash sha256:${made.caHash}${cp} \n`);
    } else out(`${made.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    const c = readCluster();
    const now = labNow();
    const live = c.tokens.filter((t) => t.expires === null || t.expires > now);
    if (flags.output === 'json') {
      out(live.map((t) => JSON.stringify({ token: t.token.split('.')[0] + '.<redacted>', expires: t.expires && new Date(t.expires).toISOString() })).join('\n') + '\n');
      return 0;
    }
    out('TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS\n');
    for (const t of live) {
      const ttl = t.expires === null ? '<forever>' : `${Math.max(0, Math.floor((t.expires - now) / 3_600_000))}h`;
      out(`${t.token.padEnd(26)}${ttl.padEnd(12)}${(t.expires === null ? '<never>' : new Date(t.expires).toISOString().slice(0, 19) + 'Z').padEnd(23)}authentication,signing   ${(t.description || '<none>').padEnd(14)}system:bootstrappers:kubeadm:default-node-token\n`);
    }
    return 0;
  }
  if (sub === 'delete') {
    if (positionals.length === 0) fail('missing subcommand; "token delete" is missing token of form "[a-z0-9]{6}" or "[a-z0-9]{6}\\.[a-z0-9]{16}"');
    updateCluster((c) => {
      c.tokens = c.tokens.filter((t) => !positionals.some((p) => t.token === p || t.token.split('.')[0] === p));
    });
    for (const p of positionals) out(`bootstrap token "${p.split('.')[0]}" deleted\n`);
    record.event = 'token-deleted';
    return 0;
  }
  return fail(`unknown command "${sub ?? ''}" for "kubeadm token"`);
}

function initPhase(args, record) {
  const [phase, ...rest] = args;
  if (phase !== 'upload-certs') fail(`lab: kubeadm init phase ${phase ?? ''} is not simulated (only upload-certs)`);
  const { flags } = parseFlags(rest, { 'upload-certs': 'bool', 'certificate-key': 'string', 'skip-certificate-key-print': 'bool', kubeconfig: 'string', config: 'string', v: 'string' }, {}, 'kubeadm init phase upload-certs');
  if (!flags['upload-certs']) {
    out('[upload-certs] Skipping phase. Please see --upload-certs\n');
    return 0;
  }
  if (flags['certificate-key'] !== undefined && !/^[0-9a-f]{64}$/.test(flags['certificate-key'])) fail('error execution phase upload-certs: invalid certificate key');
  adminCluster(flags);
  const key = updateCluster((c) => uploadCerts(c, flags['certificate-key']));
  record.event = 'certs-uploaded';
  out(`[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[upload-certs] Using certificate key:\n${flags['skip-certificate-key-print'] ? '' : key}\n`);
  return 0;
}

async function reset(args, record) {
  const { flags, positionals } = parseFlags(args, { force: 'bool', 'cri-socket': 'string', 'ignore-preflight-errors': 'string', v: 'string', 'cleanup-tmp-dir': 'bool', kubeconfig: 'string', 'dry-run': 'bool', 'skip-phases': 'string' }, { '-f': 'force' }, 'kubeadm reset');
  if (positionals.length > 0) fail(`unknown command "${positionals[0]}" for "kubeadm reset"`);
  requireRoot();
  if (process.env.LAB_U7S_NAMESPACE !== '1') {
    fail('lab: a native `kubeadm reset` on the host, outside u7s-admin\'s RootlessKit namespaces, is not modelled: podsec runs kubelet,\n' +
      'etcd and the CRI inside them and gives no host-side reset. Run it where the wrapper runs its other subcommands:\n' +
      '  machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s /usr/bin/kubeadm reset -f');
  }
  if (!flags.force) {
    out('W1126 00:00:00.000000    1234 preflight.go:56] [reset] WARNING: Changes made to this host by \'kubeadm init\' or \'kubeadm join\' will be reverted.\n');
    const answer = await ask('[reset] Are you sure you want to proceed? [y/N]: ');
    if (!/^y$/i.test((answer ?? '').trim())) fail("error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue\nTo see the stack trace of this error execute with --v=5 or higher");
  }
  resetNodeFiles();
  const wasMember = updateCluster((c) => {
    const was = !!c.nodes[NODE];
    delete c.nodes[NODE];
    if (c.etcdJoin?.node === NODE) c.etcdJoin = null;
    if (c.id && controlPlanes(c).length === 0) Object.assign(c, emptyCluster());
    return was;
  });
  record.event = 'reset';
  record.wasMember = wasMember;
  out('[preflight] Running pre-flight checks\n[reset] Deleted contents of the etcd data directory: /var/lib/podsec/u7s/etcd\n[reset] Stopping the kubelet service\n[reset] Unmounting mounted directories in "/var/lib/kubelet"\n[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]\n[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]\n\nThe reset process does not clean your kubeconfig files and you must remove them manually.\nPlease, check the contents of the $HOME/.kube/config file.\n');
  return 0;
}

function version(args) {
  const v = readCluster().kubeVersion ?? labState().cluster.kubeVersion ?? 'v1.28.3';
  const o = args.find((a, i) => args[i - 1] === '-o' || args[i - 1] === '--output') ?? args.find((a) => a.startsWith('-o=') || a.startsWith('--output='))?.split('=')[1];
  if (o === 'short') out(`${v}\n`);
  else out(`kubeadm version: &version.Info{Major:"1", Minor:"${v.split('.')[1]}", GitVersion:"${v}", GitCommit:"lab", GitTreeState:"clean", GoVersion:"go1.20.10", Compiler:"gc", Platform:"linux/amd64"}\n`);
  return 0;
}

/** `kubeadm config images list [--kubernetes-version V] [--image-repository R]`. */
function configImages(args) {
  const [what, ...rest] = args;
  if (what !== 'images' || rest[0] !== 'list') fail(`lab: kubeadm config ${args.join(' ')} is not simulated (only images list)`);
  const { flags } = parseFlags(rest.slice(1), { 'kubernetes-version': 'string', 'image-repository': 'string', config: 'string', v: 'string' }, {}, 'kubeadm config images list');
  const v = flags['kubernetes-version'] ?? labState().cluster.kubeVersion;
  const repo = flags['image-repository'] ?? 'registry.k8s.io';
  out(kubernetesImages(v).map((i) => `${repo}/${i.name}:${i.tag}\n`).join(''));
  return 0;
}

/** The native kubeadm (/usr/bin/kubeadm): on the host as root, or as u7s-admin inside its
 * namespaces (how the podsec wrapper runs subcommands other than init and join). init and join
 * are refused: on a podsec node they would set up a rootful Kubernetes. */
export async function kubeadm(args, record) {
  const [sub, ...rest] = args;
  record.program = 'kubeadm';
  if (process.env.LAB_U7S_NAMESPACE === '1') record.namespace = 'u7s-admin';
  switch (sub) {
    case 'init':
      if (rest[0] === 'phase') return initPhase(rest.slice(1), record);
      return fail('lab: a native `kubeadm init` would set up a rootful cluster; podsec runs it through its wrapper:\n  export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; kubeadm init ...');
    case 'join':
      return fail('lab: a native `kubeadm join` would set up a rootful node; podsec runs it through its wrapper:\n  export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; kubeadm join ...');
    case 'token':
      return token(rest, record);
    case 'certs':
      if (rest[0] === 'certificate-key') {
        out(`${hex(32)}\n`);
        return 0;
      }
      return fail(`lab: kubeadm certs ${rest[0] ?? ''} is not simulated (only certificate-key)`);
    case 'config':
      return configImages(rest);
    case 'reset':
      return reset(rest, record);
    case 'version':
      return version(rest);
    case undefined:
    case '--help':
    case '-h':
      out('Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  certs, config, init, join, reset, token, version\n');
      return 0;
    default:
      return fail(`unknown command "${sub}" for "kubeadm"\nRun 'kubeadm --help' for usage.`);
  }
}
