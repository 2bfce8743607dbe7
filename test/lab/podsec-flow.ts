// Test helper: the podsec sequence on lab nodes as a playbook would drive it (secure mode on the
// master, init through the wrapper, joins, LB configs), for the stand-in behaviour tests.
import type { RunningLab } from '../../lab/index.js';
import type { ExecOutcome, NodeSession } from './lab-client.js';

export const PASSWORD = 'test-imagemaker-password';
export const PASSPHRASE = 'test-gpg-passphrase';
export const SIGNER = 'imagemaker@lab.local';
export const WRAPPER = 'export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; U7S_KUBEVERSION=v1.28.3 U7S_REGISTRY=registry.local U7S_PLATFORM=p10';

/** The image archive every lab master has (podsec-k8s-save-oci's layout, images under p10/). */
export const ARCHIVE = '/var/lib/podsec-play/images/podsec-k8s-images.tar.xz';

/** Answers for the lab's passwd (pam_passwdqc wording) and gpg2 with its pinentry dialog, read
 * off the raw stream (the dialog's field comes with cursor movements: no `$` anchor there). */
export const imagemakerAnswers = (password = PASSWORD, passphrase = PASSPHRASE): [RegExp, string][] => [
  [/new password: $/i, password],
  [/Your selection\? $/, '1'],
  [/What keysize do you want\? \(3072\) $/, ''],
  [/Key is valid for\? \(0\) $/, '0'],
  [/Is this correct\? \(y\/N\) $/, 'y'],
  [/Real name: $/, 'Image Maker'],
  [/Email address: $/, SIGNER],
  [/Comment: $/, ''],
  [/\(O\)kay\/\(Q\)uit\? $/, 'O'],
  [/Passphrase: _/, passphrase],
];

export function expectOk(r: ExecOutcome, what: string): ExecOutcome {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r;
}

/** Secure mode on the master: policy, services, image maker, signed images. */
export async function secureMaster(master: NodeSession, ip: string): Promise<void> {
  expectOk(await master.exec(`podsec-create-policy ${ip}`), 'podsec-create-policy');
  expectOk(await master.exec('podsec-create-services'), 'podsec-create-services');
  expectOk(await master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() }), 'podsec-create-imagemakeruser');
  expectOk(await master.exec(`su - imagemaker -c "podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}"`, { pty: true, answers: [[/Passphrase: _/, PASSPHRASE]] }), 'podsec-load-sign-oci');
}

export interface JoinMaterial {
  endpoint: string;
  token: string;
  caHash: string;
  certificateKey: string;
}

/** The join lines at the end of `kubeadm init` output (real kubeadm's format). */
export function parseInitOutput(stdout: string): JoinMaterial {
  const flat = stdout.replace(/\\\r?\n\s*/g, '');
  const cp = flat.match(/kubeadm join (\S+) --token (\S+) --discovery-token-ca-cert-hash sha256:([0-9a-f]{64}) --control-plane --certificate-key ([0-9a-f]{64})/);
  if (!cp) throw new Error(`no control-plane join line in:\n${stdout}`);
  return { endpoint: cp[1]!, token: cp[2]!, caHash: cp[3]!, certificateKey: cp[4]! };
}

export function joinCommand(m: JoinMaterial, controlPlane = false): string {
  const cp = controlPlane ? ` --control-plane --certificate-key ${m.certificateKey}` : '';
  return `${WRAPPER} kubeadm join ${m.endpoint} --token ${m.token} --discovery-token-ca-cert-hash sha256:${m.caHash}${cp}`;
}

/** podsec-create-policy with the registry's address on a node: the hosts line, registry.local
 * insecure, and the master's policy and keys fetched from sigstore.local:81. */
export async function copyPolicy(node: NodeSession, registryIp: string): Promise<void> {
  expectOk(await node.exec(`podsec-create-policy ${registryIp}`), 'podsec-create-policy (fetch)');
}

/** What kubeadm and the wrapper said: kubeadm's own messages come through machinectl's terminal
 * on stdout, the wrapper's on stderr. */
export const said = (r: ExecOutcome): string => `${r.stdout}${r.stderr}`;

/** The native kubeadm inside u7s-admin's namespaces, as the wrapper runs other subcommands. */
export const IN_NAMESPACE = 'machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s /usr/bin/kubeadm';

export function haproxyConfig(controlPlanes: string[]): string {
  return `global
    log /dev/log local0
defaults
    mode tcp
    timeout connect 5s
    timeout client 1m
    timeout server 1m
frontend apiserver
    bind *:8443
    mode tcp
    default_backend apiserver
backend apiserver
    option httpchk GET /healthz
    http-check expect status 200
    balance roundrobin
${controlPlanes.map((ip, i) => `    server cp-${i + 1} ${ip}:6443 check`).join('\n')}
`;
}

export function keepalivedConfig(vip: string, master: boolean): string {
  return `vrrp_script check_apiserver {
  script "/etc/keepalived/check_apiserver.sh"
  interval 3
  weight -2
  fall 10
  rise 2
}
vrrp_instance VI_1 {
    state ${master ? 'MASTER' : 'BACKUP'}
    interface ens3
    virtual_router_id 51
    priority ${master ? 101 : 100}
    authentication {
        auth_type PASS
        auth_pass 42
    }
    virtual_ipaddress {
        ${vip}
    }
    track_script {
        check_apiserver
    }
}
`;
}

/** Write a file on a node through the shell (paths are rewritten into the node root). */
export async function writeFile(node: NodeSession, path: string, content: string): Promise<void> {
  expectOk(await node.exec(`mkdir -p "$(dirname ${path})" && cat > ${path}`, { stdin: content }), `write ${path}`);
}

/** HA front: haproxy (backends = the given control-plane IPs) and keepalived with the VIP on an LB. */
export async function setupLb(lb: NodeSession, controlPlaneIps: string[], vip: string, master = true): Promise<void> {
  await writeFile(lb, '/etc/haproxy/haproxy.cfg', haproxyConfig(controlPlaneIps));
  await writeFile(lb, '/etc/keepalived/keepalived.conf', keepalivedConfig(vip, master));
  expectOk(await lb.exec('haproxy -c -f /etc/haproxy/haproxy.cfg && keepalived -t -f /etc/keepalived/keepalived.conf'), 'config checks');
  expectOk(await lb.exec('systemctl enable --now haproxy keepalived && systemctl restart haproxy'), 'start LB');
}

/** A node's internal address (the lab's own /24). */
export function addressOf(lab: RunningLab, name: string): string {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n.internalAddress;
}

/** The lab's VIP (host .100 of its /24). */
export const vipOf = (lab: RunningLab): string => `${lab.subnet}.100`;

export function nodeNames(lab: RunningLab, role: string): string[] {
  return lab.nodes.filter((n) => n.role === role).map((n) => n.name);
}

/** An image archive in podsec-k8s-save-oci's layout on a node (xz'd tar of ARCH/index.json),
 * its images filed under `platform`/. */
export async function makeArchive(node: NodeSession, path: string, platform: string, arch = 'amd64'): Promise<void> {
  const names = ['kube-apiserver:v1.28.3', 'kube-controller-manager:v1.28.3', 'kube-scheduler:v1.28.3', 'kube-proxy:v1.28.3', 'pause:3.9', 'etcd:3.5.9-0', 'coredns:v1.10.1', 'flannel:v0.22.3', 'flannel-cni-plugin:v1.2.0'];
  const index = { schemaVersion: 2, manifests: names.map((n, i) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(i).repeat(64)}`, size: 1, annotations: { 'org.opencontainers.image.ref.name': `${platform}/${n}` } })) };
  expectOk(await node.exec(`rm -rf /tmp/oci && mkdir -p /tmp/oci/${arch} && cat > /tmp/oci/${arch}/index.json && tar -cJf ${path} -C /tmp/oci ${arch} && chmod 644 ${path}`, { stdin: JSON.stringify(index) }), `archive ${path}`);
}
