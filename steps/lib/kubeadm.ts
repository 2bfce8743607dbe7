// kubeadm on a podsec node: init and join through the podsec wrapper (its command lines carry
// only flags from the wrapper's own option table, usernetes/env/u7s_flags; secrets travel in the
// environment, never on the logged command line), the decision whether an init/join may run,
// join material minted with the NATIVE /usr/bin/kubeadm as podsec's INSTALL.md does it (the
// wrapper would run apt, garble --print-join-command and --ttl, and read `init phase
// upload-certs` as a full init), and the reset of a node (alt-cloud/podsec commit 5014172).
import { command, quote } from '../../engine/util/shell.js';
import type { PromptAnswer } from '../../engine/transport/types.js';
import type { OutputDecl } from '../../engine/step-kind.js';
import { isToken, parseCertificateKey, parseJoinCommand, type JoinMaterial } from './join-line.js';
import type { Remote } from './remote.js';
import { KUBEADM_LOCK, LOCK_BUSY_EXIT, MARKER_DIR, U7S_PATH, type NodeState } from './u7s.js';

/** What kubeadm-init and join-material record: the CA hash is masked too (the issue counts it
 * among the join secrets). */
export const JOIN_OUTPUTS: OutputDecl[] = [
  { name: 'endpoint', secret: false },
  { name: 'token', secret: true },
  { name: 'caCertHash', secret: true },
  { name: 'certificateKey', secret: true },
];

/** Environment names that carry join secrets into the remote shell. */
export const ENV_TOKEN = 'PODSEC_JOIN_TOKEN';
export const ENV_CA_HASH = 'PODSEC_JOIN_CA_HASH';
export const ENV_CERT_KEY = 'PODSEC_JOIN_CERT_KEY';

/** The wrapper's question when etcd data exists (a whole line on stderr, then a read), in English
 * and as podsec-k8s.po translates it; answered `y` only after our own half-finished run. */
export const CLEAR_DIRECTORY_PROMPT = '(?:Clear directory|Очистить каталог)\\?\\s*\\[?y/N\\]?:?\\s*$';
export const CLEAR_DIRECTORY_YES: PromptAnswer = { prompt: CLEAR_DIRECTORY_PROMPT, send: 'y', once: true };

/** kubeadm's own phase lines (`[init] …`, `[certs] …`): progress worth showing, never secret. */
export const KUBEADM_PROGRESS = /^\[[a-z-]+\]\s/;

/** `cmd` run under the node's kubeadm lock with the wrapper first on PATH. */
export function underLock(argv: string): string {
  return `${U7S_PATH}mkdir -p ${MARKER_DIR} && flock -n -E ${LOCK_BUSY_EXIT} ${KUBEADM_LOCK} ${argv}`;
}

export interface InitOptions {
  /** HA: the node's advertise address and the VIP endpoint. */
  advertiseAddress?: string;
  controlPlaneEndpoint?: string;
  uploadCerts?: boolean;
  extraArgs?: string[];
}

/** `kubeadm init …` (without PATH or lock), every value quoted. */
export function initArgv(o: InitOptions): string {
  const argv = ['kubeadm', 'init'];
  if (o.advertiseAddress !== undefined) argv.push('--apiserver-advertise-address', o.advertiseAddress);
  if (o.controlPlaneEndpoint !== undefined) argv.push('--control-plane-endpoint', o.controlPlaneEndpoint);
  if (o.uploadCerts) argv.push('--upload-certs');
  argv.push(...(o.extraArgs ?? []));
  return command(...argv);
}

export interface JoinOptions {
  endpoint: string;
  controlPlane: boolean;
  advertiseAddress?: string;
  extraArgs?: string[];
}

/**
 * `kubeadm join …` (without PATH or lock). The token, CA hash and certificate key are read from
 * ENV_* variables (ExecOptions.env), so the command as logged carries none of them.
 */
export function joinArgv(o: JoinOptions): string {
  const parts = [
    command('kubeadm', 'join', o.endpoint),
    `--token "$${ENV_TOKEN}"`,
    `--discovery-token-ca-cert-hash "$${ENV_CA_HASH}"`,
  ];
  if (o.controlPlane) {
    parts.push(`--control-plane --certificate-key "$${ENV_CERT_KEY}"`);
    if (o.advertiseAddress !== undefined) parts.push(command('--apiserver-advertise-address', o.advertiseAddress));
  }
  if (o.extraArgs && o.extraArgs.length > 0) parts.push(command(...o.extraArgs));
  return parts.join(' ');
}

export function joinEnv(m: { token: string; caCertHash: string; certificateKey?: string | undefined }): Record<string, string> {
  const env: Record<string, string> = { [ENV_TOKEN]: m.token, [ENV_CA_HASH]: m.caCertHash };
  if (m.certificateKey !== undefined) env[ENV_CERT_KEY] = m.certificateKey;
  return env;
}

export type KubeadmDecision =
  | { action: 'skip'; reason: string }
  | { action: 'run'; resetFirst: boolean }
  | { action: 'refuse'; reason: string };

/**
 * May `kubeadm init` run on a node in state `s`? Finished → skip (the wrapper would wipe a
 * working control plane); our own half-finished attempt → reset first; cluster state we did not
 * start → refuse (a leftover from another cluster is the admin's to clear).
 */
export function decideInit(s: NodeState): KubeadmDecision {
  if (s.adminConf && s.kubeletConf && s.u7sEnabled) {
    return { action: 'skip', reason: 'already initialised (admin.conf, kubelet.conf, u7s enabled)' };
  }
  if (s.initStarted) return { action: 'run', resetFirst: true };
  if (s.adminConf || s.kubeletConf || s.etcdMember) return { action: 'refuse', reason: 'init' };
  return { action: 'run', resetFirst: false };
}

/** Like decideInit, for `kubeadm join`: joined means kubelet.conf and u7s enabled. */
export function decideJoin(s: NodeState): KubeadmDecision {
  if (s.kubeletConf && s.u7sEnabled) return { action: 'skip', reason: 'already joined (kubelet.conf, u7s enabled)' };
  if (s.joinStarted) return { action: 'run', resetFirst: true };
  if (s.adminConf || s.kubeletConf || s.etcdMember) return { action: 'refuse', reason: 'join' };
  return { action: 'run', resetFirst: false };
}

/** The podsec wrapper's option table (usernetes/env/u7s_flags, KFLAGS): an option outside it is
 * not refused but garbles the wrapper's argument list (its getopt error check never fires). */
export const WRAPPER_FLAGS = new Set([
  'help', 'h', 'v', 'add-dir-header', 'log-file', 'log-file-max-size', 'one-output', 'rootfs', 'skip-headers', 'skip-log-headers',
  'apiserver-advertise-address', 'apiserver-bind-port', 'certificate-key', 'config', 'cri-socket', 'dry-run', 'ignore-preflight-errors',
  'node-name', 'patches', 'skip-phases', 'token', 'cert-dir', 'control-plane-endpoint', 'feature-gates', 'image-repository',
  'kubernetes-version', 'pod-network-cidr', 'service-cidr', 'service-dns-domain', 'skip-certificate-key-print', 'skip-token-print',
  'token-ttl', 'upload-certs', 'control-plane', 'discovery-file', 'discovery-token', 'discovery-token-ca-cert-hash',
  'discovery-token-unsafe-skip-ca-verification', 'tls-bootstrap-token', 'allow-experimental-upgrades', 'allow-release-candidate-upgrades',
  'api-server-manifest', 'certificate-renewal', 'context-lines', 'c', 'controller-manager-manifest', 'etcd-upgrade', 'output', 'o',
  'print-config', 'show-managed-fields', 'scheduler-manifest', 'cleanup-tmp-dir',
]);

/** Extra arguments the wrapper would garble (options outside its table), or an empty list. */
export function unknownWrapperFlags(args: readonly string[]): string[] {
  return args.filter((a) => {
    if (a.startsWith('--')) return !WRAPPER_FLAGS.has(a.slice(2).split('=')[0] ?? '');
    if (a.startsWith('-') && a.length > 1) return [...a.slice(1)].some((c) => !WRAPPER_FLAGS.has(c));
    return false;
  });
}

/** The native kubeadm, on the host as root: what podsec's INSTALL.md mints join material with. */
export const NATIVE_KUBEADM = '/usr/bin/kubeadm';

export function tokenCreateCommand(ttl: string): string {
  return command(NATIVE_KUBEADM, 'token', 'create', '--print-join-command', '--ttl', ttl);
}

export const UPLOAD_CERTS_COMMAND = `${NATIVE_KUBEADM} init phase upload-certs --upload-certs`;
export const TOKEN_LIST_COMMAND = `${NATIVE_KUBEADM} token list`;

export class MaterialError extends Error {}

/**
 * Fresh join material minted on a master: a new bootstrap token with the CA hash and endpoint,
 * and for control planes a freshly uploaded certificate key. Throws MaterialError when kubeadm's
 * output has no recognisable material (the caller turns it into a step error).
 */
export async function mintJoinMaterial(master: Remote, o: { controlPlane: boolean; ttl: string }): Promise<JoinMaterial> {
  const created = await master.run(tokenCreateCommand(o.ttl), { what: 'kubeadm token create' });
  const material = parseJoinCommand(created.stdout);
  if (!material) throw new MaterialError(`kubeadm token create on ${master.name} printed no join command`);
  const result: JoinMaterial = { endpoint: material.endpoint, token: material.token, caCertHash: material.caCertHash };
  if (o.controlPlane) {
    const uploaded = await master.run(UPLOAD_CERTS_COMMAND, { what: 'kubeadm init phase upload-certs' });
    const key = parseCertificateKey(uploaded.stdout);
    if (!key) throw new MaterialError(`kubeadm init phase upload-certs on ${master.name} printed no certificate key`);
    result.certificateKey = key;
  }
  return result;
}

/**
 * Is `token` still listed (and not expired) by `kubeadm token list`? Undefined when the output
 * cannot tell (no table): the caller then keeps the material it has.
 */
export function tokenListed(listOutput: string, token: string): boolean | undefined {
  if (!isToken(token)) return false;
  const lines = listOutput.split(/\r?\n/);
  if (!lines.some((l) => /^TOKEN\s+TTL\b/.test(l.trim()))) return lines.some((l) => l.includes(token)) ? true : undefined;
  const row = lines.map((l) => l.trim().split(/\s+/)).find((w) => w[0] === token);
  if (!row) return false;
  return row[1] !== '<invalid>';
}

/**
 * Taking a node out of its cluster the way podsec's own scripts allow — podsec ships no reset
 * procedure, and its wrapper cannot run one (`-f` is not in its option table: `kubeadm reset -f`
 * comes out as the command "f"). So: the native kubeadm reset inside u7s-admin's namespaces,
 * where kubelet and etcd live, exactly as the wrapper itself would run it (`machinectl shell
 * u7s-admin@ …/nsenter_u7s /usr/bin/kubeadm reset -f`), only while u7s.service runs (nsenter
 * needs RootlessKit); its exit status is not relied on (whether machinectl passes it on without a
 * terminal is open), the state checked afterwards is. Then u7s.service off, and what the wrapper
 * would delete itself before its next init/join (files, not directories) plus the etcd data.
 */
export const RESET_SCRIPT = [
  'if systemctl is-active -q u7s; then',
  `  machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s ${NATIVE_KUBEADM} reset -f || echo "kubeadm reset in u7s-admin's namespace exited $?" >&2`,
  'fi',
  'systemctl disable --now u7s',
  'rm -f /etc/kubernetes/*.conf /etc/kubernetes/manifests/*.yaml /etc/kubernetes/pki/*.??? /etc/kubernetes/pki/etcd/*.???',
  'rm -rf /var/lib/podsec/u7s/etcd/member',
].join('\n');

/** The reset under the node's kubeadm lock: the clean-up before retrying a half-finished init/join. */
export const RESET_COMMAND = `mkdir -p ${MARKER_DIR} && flock -n -E ${LOCK_BUSY_EXIT} ${KUBEADM_LOCK} sh -c ${quote(RESET_SCRIPT)}`;
