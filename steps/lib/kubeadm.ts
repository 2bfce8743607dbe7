// kubeadm through the podsec wrapper: the init and join command lines (secrets passed in the
// environment, never on the logged command line), the decision whether an init/join may run,
// and minting fresh join material on a master.
import { command } from '../../engine/util/shell.js';
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

/** The wrapper's question when etcd data exists; answered `y` only after our own half-finished run. */
export const CLEAR_DIRECTORY_PROMPT = 'Clear directory\\?\\s*\\[?y/N\\]?';
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

export function tokenCreateCommand(ttl: string): string {
  return `${U7S_PATH}${command('kubeadm', 'token', 'create', '--print-join-command', '--ttl', ttl)}`;
}

export const UPLOAD_CERTS_COMMAND = `${U7S_PATH}kubeadm init phase upload-certs --upload-certs`;
export const TOKEN_LIST_COMMAND = `${U7S_PATH}kubeadm token list`;

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

/** `kubeadm reset -f` under the lock: the clean-up before retrying a half-finished init/join. */
export const RESET_COMMAND = underLock('kubeadm reset -f');
