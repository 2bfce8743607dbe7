// Every preflight check a step kind declares, made to fail on purpose: the reason names what is
// wrong on which host and the fix says what to do; and the healthy case passes.
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../../engine/facts/types.js';
import type { Inventory } from '../../engine/model.js';
import type { PreflightCheck } from '../../engine/step-kind.js';
import { copyPolicyStep } from '../../steps/copy-policy.js';
import { haproxyStep } from '../../steps/haproxy.js';
import { keepalivedStep } from '../../steps/keepalived.js';
import { kubeadmInitStep } from '../../steps/kubeadm-init.js';
import { kubeadmJoinStep } from '../../steps/kubeadm-join.js';
import { KUBEADM_PATHS } from '../../steps/lib/preflight-cluster.js';
import { ADMIN_CONF, ETCD_MEMBER, INIT_STARTED, KUBELET_CONF } from '../../steps/lib/u7s.js';
import { podsecPolicyStep } from '../../steps/podsec-policy.js';
import { podsecServicesStep } from '../../steps/podsec-services.js';
import { signImagesStep } from '../../steps/sign-images.js';
import { logForwardingStep } from '../../steps/log-forwarding.js';
import { podsecMonitoringStep } from '../../steps/podsec-monitoring.js';
import { publicRegistryStep } from '../../steps/public-registry.js';
import { healthyFacts } from '../helpers/facts.js';
import { evaluate, haInventory, preflightContext, type FakePreflight } from './fake-preflight.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const checksOf = (kind: { preflight?: readonly PreflightCheck<any>[] }) => kind.preflight ?? [];
const GiB = 2 ** 30;

/** Healthy facts of a host of haInventory(), with a patch (and the paths kubeadm asks about). */
function factsOf(name: string, patch: Partial<HostFacts> = {}, o: { prefix?: number; iface?: string; address?: string } = {}): HostFacts {
  const h = haInventory().hosts.find((x) => x.name === name)!;
  const paths = Object.fromEntries(KUBEADM_PATHS.map((p) => [p, false]));
  return healthyFacts({ hostname: name, address: o.address ?? h.internalAddress, ...(o.prefix ? { prefix: o.prefix } : {}), ...(o.iface ? { iface: o.iface } : {}) }, { paths, ...patch });
}

function withoutInternal(f: HostFacts): HostFacts {
  delete f.internal;
  return f;
}

interface Case {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kind: { preflight?: readonly PreflightCheck<any>[] };
  check: string;
  host: string;
  world?: FakePreflight;
  w?: Record<string, unknown>;
  reason: RegExp;
  fix: RegExp;
}

const inventoryWith = (edit: (inv: Inventory) => void): Inventory => {
  const inv = haInventory();
  edit(inv);
  return inv;
};

const FAILING: Case[] = [
  { name: 'podsec-k8s missing', kind: kubeadmInitStep, check: 'package-podsec-k8s', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { packages: { podsec: '1.1.20-alt2' } }) } }, reason: /^podsec-k8s is not installed/, fix: /apt-get install podsec-k8s/ },
  { name: 'an old kernel', kind: kubeadmJoinStep, check: 'kernel', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { kernel: '5.10.176-std-def-alt1' }) } }, reason: /kernel 5\.10\.176-std-def-alt1 is older than 5\.15/, fix: /upgrade the kernel/ },
  { name: 'swap on', kind: kubeadmJoinStep, check: 'swap-off', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { swap: { on: true, devices: [{ name: '/swapfile', sizeBytes: 2 * GiB }] } }) } }, reason: /swap is on: \/swapfile \(2\.0 GiB\) \(kubelet refuses to start with swap\)/, fix: /swapoff -a, and remove the swap lines from \/etc\/fstab/ },
  { name: 'cgroup v1', kind: kubeadmInitStep, check: 'cgroup-v2', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { cgroup: { version: 1, fs: 'tmpfs' } }) } }, reason: /\/sys\/fs\/cgroup is tmpfs: cgroup v1/, fix: /systemd\.unified_cgroup_hierarchy=1/ },
  { name: 'no user namespaces', kind: kubeadmJoinStep, check: 'user-namespaces', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { sysctl: { 'user.max_user_namespaces': '0' } }) } }, reason: /user\.max_user_namespaces is 0/, fix: /sysctl -w user\.max_user_namespaces=/ },
  { name: 'a clock 3 h ahead', kind: kubeadmJoinStep, check: 'clock', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { time: { skewMs: 3 * 3600_000, synchronized: false, ntp: false } }) } }, reason: /the clock is 3h 0m ahead of the controller's \(not NTP synchronised\)/, fix: /timedatectl set-ntp true/ },
  { name: 'a clock 2 min behind', kind: signImagesStep, check: 'clock', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { time: { skewMs: -125_000 } }) } }, reason: /2m 5s behind/, fix: /set the time/ },
  { name: 'the internal address on no interface', kind: kubeadmJoinStep, check: 'internal-address', host: 'w-1', world: { facts: { 'w-1': withoutInternal(factsOf('w-1', {}, { address: '10.0.0.99' })) } }, reason: /10\.0\.0\.11 is not an address of this host \(it has 10\.0\.0\.99\/24 on ens3\)/, fix: /set internalAddress of w-1/ },
  { name: 'a hostname that is not the node name', kind: kubeadmInitStep, check: 'hostname', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { hostname: 'localhost' }) } }, reason: /the hostname is localhost but the inventory calls this node cp-1/, fix: /hostnamectl set-hostname cp-1.*vars\.nodeName: localhost/ },
  { name: 'two nodes with one hostname', kind: kubeadmJoinStep, check: 'unique-hostname', host: 'cp-2', world: { facts: { 'cp-2': factsOf('cp-2', { hostname: 'cp-1' }) } }, reason: /hostname cp-1 is also cp-1's/, fix: /its own hostname/ },
  { name: 'a cloned machine-id', kind: kubeadmJoinStep, check: 'unique-machine-id', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { machineId: factsOf('cp-2').machineId! }) } }, reason: /machine-id [0-9a-f]{32} is also cp-2's/, fix: /systemd-machine-id-setup/ },
  { name: 'two hosts with one internal address', kind: kubeadmJoinStep, check: 'unique-internal-address', host: 'w-1', world: { inventory: inventoryWith((i) => (i.hosts[2]!.internalAddress = '10.0.0.2')) }, reason: /10\.0\.0\.2 is also the internal address of cp-2/, fix: /its own internalAddress/ },
  { name: 'little room under /var/lib', kind: kubeadmJoinStep, check: 'disk-var-lib', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { disk: { varLib: { availableBytes: GiB, sizeBytes: 8 * GiB, mount: '/' } } }) } }, reason: /only 1\.0 GiB free under \/var\/lib/, fix: /at least 5\.0 GiB free/ },
  { name: 'a mirror that does not answer', kind: kubeadmInitStep, check: 'apt-sources', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { apt: { sources: [{ url: 'http://mirror.invalid/alt', ok: false, detail: 'curl exit 6 (could not resolve the host)' }] } }) } }, reason: /http:\/\/mirror\.invalid\/alt did not answer: curl exit 6/, fix: /sources\.list\.d/ },
  { name: 'no mirror at all', kind: kubeadmJoinStep, check: 'apt-sources', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { apt: { sources: [] } }) } }, reason: /no package sources are configured/, fix: /configure the ALT mirror/ },
  { name: 'etcd data of another cluster', kind: kubeadmInitStep, check: 'kubeadm-state', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { paths: { ...factsOf('cp-1').paths, [ETCD_MEMBER]: true } }) } }, reason: /cluster state podsec-play did not create here: \/var\/lib\/podsec\/u7s\/etcd\/member/, fix: /playbooks\/reset\.yaml/ },
  { name: 'a kubelet.conf from elsewhere on a joiner', kind: kubeadmJoinStep, check: 'kubeadm-state', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { paths: { ...factsOf('w-1').paths, [ADMIN_CONF]: true } }) } }, reason: /\/etc\/kubernetes\/admin\.conf/, fix: /kubeadm reset -f/ },
  { name: 'the API port taken on a control plane', kind: kubeadmInitStep, check: 'cluster-ports-free', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { listening: [{ proto: 'tcp', address: '0.0.0.0', port: 6443, process: 'nginx' }] }) } }, reason: /6443\/tcp by nginx \(0\.0\.0\.0\) already taken \(rootlesskit publishes them/, fix: /stop the program that holds it/ },
  { name: 'flannel\'s UDP port taken on a worker', kind: kubeadmJoinStep, check: 'cluster-ports-free', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { listening: [{ proto: 'udp', address: '0.0.0.0', port: 8472 }] }) } }, reason: /8472\/udp \(0\.0\.0\.0\) already taken \(rootlesskit publishes them for the kubelet and flannel\)/, fix: /ss -ltnup/ },
  { name: 'a control plane outside the VIP\'s subnet', kind: kubeadmJoinStep, check: 'vip-subnet', host: 'cp-2', w: { controlPlane: true }, world: { facts: { 'cp-2': factsOf('cp-2', {}, { prefix: 26, address: '10.0.0.2' }) } }, reason: /the VIP 10\.0\.0\.100 is outside 10\.0\.0\.0\/26, the subnet of cp-2 \(ens3\)/, fix: /cluster\.vip and cluster\.controlPlaneEndpoint/ },
  { name: 'no route from a worker to the endpoint', kind: kubeadmJoinStep, check: 'endpoint-reachable', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { routes: [{ dst: '10.0.9.0/24', dev: 'ens3' }] }, { address: '10.0.9.11' }) } }, reason: /no route from w-1 to the endpoint 10\.0\.0\.100 \(its routes: 10\.0\.9\.0\/24\)/, fix: /a default route/ },
  {
    name: 'an endpoint that does not answer once the cluster is up',
    kind: kubeadmJoinStep,
    check: 'endpoint-reachable',
    host: 'w-1',
    world: { planned: [{ kind: 'kubeadm-init', host: 'cp-1', step: 'init', finished: true }], probe: () => ({ exitCode: 7 }) },
    reason: /https:\/\/10\.0\.0\.100:8443\/healthz does not answer from w-1 \(curl exit 7: could not connect\)/,
    fix: /load balancers and the VIP/,
  },
  { name: 'haproxy\'s port taken', kind: haproxyStep, check: 'haproxy-port-free', host: 'lb-1', world: { facts: { 'lb-1': factsOf('lb-1', { listening: [{ proto: 'tcp', address: '0.0.0.0', port: 8443, process: 'nginx' }] }) } }, reason: /8443\/tcp by nginx .* \(haproxy must bind its frontend there\)/, fix: /stop the program/ },
  { name: 'podsec not installed on the master', kind: podsecServicesStep, check: 'package-podsec', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { packages: { 'podsec-k8s': '1.1.20-alt2' } }) } }, reason: /podsec is not installed \(podsec-create-services\)/, fix: /apt-get install podsec/ },
  { name: 'keepalived not installed', kind: keepalivedStep, check: 'package-keepalived', host: 'lb-2', world: { facts: { 'lb-2': factsOf('lb-2', { packages: { curl: '8.5.0-alt1' } }) } }, reason: /keepalived is not installed \(VRRP for the VIP\)/, fix: /apt-get install keepalived/ },
  { name: 'no package tool to ask', kind: kubeadmJoinStep, check: 'package-podsec-k8s', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { packages: {}, unknown: { packages: 'neither rpm nor dpkg-query is installed' } }) } }, reason: /cannot tell whether podsec-k8s is installed: neither rpm nor dpkg-query is installed/, fix: /install podsec-k8s/ },
  { name: 'haproxy not installed', kind: haproxyStep, check: 'package-haproxy', host: 'lb-1', world: { facts: { 'lb-1': factsOf('lb-1', { packages: {} }) } }, reason: /haproxy is not installed \(the API load balancer\)/, fix: /apt-get install haproxy/ },
  { name: 'an interface the LB does not have', kind: keepalivedStep, check: 'keepalived-interface', host: 'lb-1', world: { inventory: inventoryWith((i) => (i.hosts[3]!.vars['interface'] = 'eth0')) }, reason: /interface eth0 does not exist on lb-1 \(it has lo, ens3\): keepalived would not start/, fix: /podsec-play then takes ens3, which holds 10\.0\.0\.5/ },
  { name: 'a VIP outside every subnet of the LB', kind: keepalivedStep, check: 'vip-subnet', host: 'lb-2', world: { facts: { 'lb-2': factsOf('lb-2', {}, { prefix: 30 }) } }, reason: /the VIP 10\.0\.0\.100 is outside every subnet of ens3 on lb-2 \(10\.0\.0\.4\/30\)/, fix: /choose a free VIP/ },
  { name: 'a VRRP password keepalived would cut', kind: keepalivedStep, check: 'vrrp-password', host: 'lb-1', w: { password: 'much-too-long' }, reason: /longer than 8 characters/, fix: /at most 8 printable characters/ },
  { name: 'curl missing on an LB (the check script needs it)', kind: keepalivedStep, check: 'package-curl', host: 'lb-1', world: { facts: { 'lb-1': factsOf('lb-1', { packages: { keepalived: '2.2.8-alt1' } }) } }, reason: /curl is not installed/, fix: /apt-get install curl/ },
  { name: 'the registry on 127.0.0.1', kind: podsecPolicyStep, check: 'registry-ip', host: 'cp-1', world: { inventory: inventoryWith((i) => (i.hosts[0]!.internalAddress = '127.0.0.1')) }, reason: /refuses 127\.0\.0\.1/, fix: /master's internalAddress/ },
  { name: 'a registry address that is a name', kind: podsecPolicyStep, check: 'registry-ip', host: 'cp-1', world: { inventory: inventoryWith((i) => (i.hosts[0]!.internalAddress = 'cp-1.example')), facts: { 'cp-1': factsOf('cp-1') } }, reason: /needs one IPv4 address, not "cp-1\.example"/, fix: /IPv4 cluster address/ },
  { name: 'no route from a node to the registry host', kind: copyPolicyStep, check: 'registry-route', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { routes: [{ dst: '10.0.0.11/32', dev: 'ens3' }] }, { prefix: 32 }) } }, reason: /no route from w-1 to the registry host 10\.0\.0\.1/, fix: /give w-1 an address in that subnet or a default route/ },
  { name: 'the registry ports taken', kind: podsecServicesStep, check: 'registry-ports-free', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { listening: [{ proto: 'tcp', address: '*', port: 80, process: 'httpd2' }] }) } }, reason: /80\/tcp by httpd2/, fix: /stop the program/ },
  { name: 'no image archive', kind: signImagesStep, check: 'image-archive', host: 'cp-1', world: { probe: () => ({ exitCode: 1 }) }, reason: /no image archive at \/var\/lib\/podsec-play\/images\/podsec-k8s-images\.tar\.xz/, fix: /podsec-k8s-save-oci/ },
  { name: 'too little room for the registry', kind: signImagesStep, check: 'disk-var-lib', host: 'cp-1', world: { facts: { 'cp-1': factsOf('cp-1', { disk: { varLib: { availableBytes: 6 * GiB, sizeBytes: 20 * GiB } } }) } }, reason: /only 6\.0 GiB free under \/var\/lib/, fix: /10 GiB free/ },
  { name: 'podsec-inotify missing where monitoring is asked for', kind: podsecMonitoringStep, check: 'package-podsec-inotify', host: 'w-1', world: { facts: { 'w-1': factsOf('w-1', { packages: { podsec: '1.1.20-alt2', 'podsec-k8s': '1.1.20-alt2' } }) } }, reason: /^podsec-inotify is not installed \(podsec's security checks, the only monitoring a sealed node keeps\)/, fix: /apt-get install podsec-inotify/ },
  { name: 'the public registry unreachable from a node', kind: publicRegistryStep, check: 'public-registry-reachable', host: 'w-1', world: { probe: () => ({ exitCode: 6, stdout: '000' }) }, reason: /registry\.altlinux\.org does not answer from w-1 \(curl exit 6: could not resolve the host\): podsec's kubeadm pulls every Kubernetes image from it/, fix: /open HTTPS \(port 443\) from this host to registry\.altlinux\.org.*secure mode/ },
  { name: 'registry.k8s.io reached but not docker.io (flannel)', kind: publicRegistryStep, check: 'public-registry-reachable', host: 'cp-1', w: { registry: '' }, world: { probe: (c) => (c.includes('docker.io') ? { exitCode: 28, stdout: '000' } : { exitCode: 0, stdout: '200' }) }, reason: /^registry-1\.docker\.io does not answer from cp-1 \(curl exit 28: timed out\)/, fix: /registry-1\.docker\.io/ },
  { name: 'an Internet-mode playbook with the secure mode\'s registry', kind: publicRegistryStep, check: 'public-registry-setting', host: 'cp-1', world: { inventory: inventoryWith((i) => (i.cluster.registry = 'registry.local')) }, reason: /cluster\.registry is registry\.local, the secure mode's local registry/, fix: /registry\.altlinux\.org.*secure mode/ },
  { name: '/etc/hosts naming registry.local in the Internet mode', kind: publicRegistryStep, check: 'registry-local-unnamed', host: 'w-1', world: { probe: () => ({ exitCode: 0, stdout: '10.0.0.1 registry.local sigstore.local trivy.local\n' }) }, reason: /\/etc\/hosts names registry\.local \(10\.0\.0\.1 registry\.local sigstore\.local trivy\.local\): podsec's kubeadm would then pull from that local registry/, fix: /remove the registry\.local line/ },
  { name: 'a syslog target without rsyslog', kind: logForwardingStep, check: 'rsyslog-installed', host: 'lb-1', world: { inventory: inventoryWith((i) => (i.cluster['syslog'] = 'tcp://10.0.0.50:514')), facts: { 'lb-1': factsOf('lb-1', { paths: { '/etc/rsyslog.d': false } }) } }, reason: /\/etc\/rsyslog\.d does not exist on lb-1: rsyslog is not installed, and the syslog target tcp:\/\/10\.0\.0\.50:514 is reached through it/, fix: /apt-get install rsyslog-classic/ },
  { name: 'a syslog target that is not one', kind: logForwardingStep, check: 'rsyslog-installed', host: 'w-1', world: { inventory: inventoryWith((i) => (i.cluster['syslog'] = '10.0.0.50:514')) }, reason: /the syslog target "10\.0\.0\.50:514" is not udp:\/\/HOST\[:PORT\] or tcp:\/\/HOST\[:PORT\]/, fix: /cluster\.syslog as tcp:\/\/HOST:PORT/ },
];

describe('every preflight check fails with the host, the reason and the fix', () => {
  it.each(FAILING.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ctx = preflightContext(c.host, c.world);
    const v = await evaluate(checksOf(c.kind), c.check, ctx, c.w ?? {});
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toMatch(c.reason);
    expect(v.fix).toMatch(c.fix);
  });

  it('covers every check the step kinds declare', () => {
    const declared = new Set([kubeadmInitStep, kubeadmJoinStep, haproxyStep, keepalivedStep, podsecPolicyStep, podsecServicesStep, copyPolicyStep, signImagesStep, podsecMonitoringStep, publicRegistryStep, logForwardingStep].flatMap((k) => checksOf(k).map((c) => c.id)));
    const failed = new Set(FAILING.map((c) => c.check));
    expect([...declared].filter((id) => !failed.has(id))).toEqual([]);
  });
});

describe('and passes on a healthy host, or where the step will not need it', () => {
  const healthy = (name: string, patch: Partial<HostFacts> = {}) => ({ [name]: factsOf(name, patch) });

  it.each([
    ['kubeadm init on a healthy master', kubeadmInitStep, 'cp-1', {}],
    ['a control-plane join', kubeadmJoinStep, 'cp-2', { controlPlane: true }],
    ['a worker join', kubeadmJoinStep, 'w-1', {}],
    ['haproxy', haproxyStep, 'lb-1', {}],
    ['keepalived', keepalivedStep, 'lb-2', { password: 'vrrp-pw1' }],
    ['podsec-create-policy', podsecPolicyStep, 'cp-1', {}],
    ['copy-policy', copyPolicyStep, 'w-1', {}],
    ['podsec-create-services', podsecServicesStep, 'cp-1', {}],
    ['sign-images', signImagesStep, 'cp-1', { passphrase: 'x' }],
  ] as const)('%s', async (_name, kind, hostName, w) => {
    const ctx = preflightContext(hostName, { facts: healthy(hostName) });
    for (const check of checksOf(kind)) expect(await check.evaluate(ctx, w as Record<string, unknown>), check.id).toMatchObject({ ok: true });
  });

  it('the Internet mode\'s checks pass where the registry answers and /etc/hosts has no registry.local; monitoring where podsec-inotify is installed; no syslog target needs no rsyslog', async () => {
    const answering = preflightContext('w-1', { probe: (c) => (c.startsWith('curl') ? { exitCode: 0, stdout: '401' } : { exitCode: 1 }) });
    for (const check of checksOf(publicRegistryStep)) expect(await check.evaluate(answering, {}), check.id).toMatchObject({ ok: true });
    expect(answering.probes).toEqual(["curl -s -o /dev/null --max-time 10 -w '%{http_code}' https://registry.altlinux.org/v2/", "grep -E '^[^#]*[[:space:]]registry[.]local([[:space:]]|$)' /etc/hosts"]);
    const monitored = preflightContext('w-1', { facts: healthy('w-1', { packages: { 'podsec-inotify': '1.1.20-alt2' } }) });
    expect(await evaluate(checksOf(podsecMonitoringStep), 'package-podsec-inotify', monitored)).toEqual({ ok: true, detail: 'podsec-inotify 1.1.20-alt2' });
    const noTarget = preflightContext('lb-1', { facts: healthy('lb-1', { paths: { '/etc/rsyslog.d': false } }) });
    expect(await evaluate(checksOf(logForwardingStep), 'rsyslog-installed', noTarget)).toEqual({ ok: true, detail: 'no syslog target: nothing to forward' });
    const withRsyslog = preflightContext('lb-1', { inventory: inventoryWith((i) => (i.cluster['syslog'] = 'udp://10.0.0.50')), facts: healthy('lb-1', { paths: { '/etc/rsyslog.d': true } }) });
    expect(await evaluate(checksOf(logForwardingStep), 'rsyslog-installed', withRsyslog)).toEqual({ ok: true, detail: '/etc/rsyslog.d present' });
  });

  it('ports held by the step itself, or by a node podsec-play set up already, are not a problem', async () => {
    const ownHaproxy = preflightContext('lb-1', { facts: healthy('lb-1', { listening: [{ proto: 'tcp', address: '0.0.0.0', port: 8443, process: 'haproxy' }] }) });
    expect(await evaluate(checksOf(haproxyStep), 'haproxy-port-free', ownHaproxy)).toEqual({ ok: true, detail: '8443/tcp free' });
    const initialised = factsOf('cp-1', { listening: [{ proto: 'tcp', address: '*', port: 6443, process: 'rootlesskit' }] });
    initialised.paths = { ...initialised.paths, [ADMIN_CONF]: true, [KUBELET_CONF]: true, [ETCD_MEMBER]: true };
    const ctx = preflightContext('cp-1', { facts: { 'cp-1': initialised } });
    expect(await evaluate(checksOf(kubeadmInitStep), 'cluster-ports-free', ctx)).toMatchObject({ ok: true, detail: expect.stringMatching(/already initialised/) });
    expect(await evaluate(checksOf(kubeadmInitStep), 'kubeadm-state', ctx)).toMatchObject({ ok: true });
    const own = factsOf('cp-1', { listening: [{ proto: 'tcp', address: '*', port: 80, process: 'docker-registry' }, { proto: 'tcp', address: '0.0.0.0', port: 81, process: 'nginx' }] });
    expect(await evaluate(checksOf(podsecServicesStep), 'registry-ports-free', preflightContext('cp-1', { facts: { 'cp-1': own } }))).toMatchObject({ ok: true });
  });

  it('etcd data of our own half-finished init (its start marker is there) is reset by the step, not refused', async () => {
    const f = factsOf('cp-1');
    f.paths = { ...f.paths, [ETCD_MEMBER]: true, [INIT_STARTED]: true };
    const ctx = preflightContext('cp-1', { facts: { 'cp-1': f }, resuming: true });
    expect(await evaluate(checksOf(kubeadmInitStep), 'kubeadm-state', ctx)).toEqual({ ok: true, detail: 'resuming: our own half-finished init is reset first' });
    expect(await evaluate(checksOf(kubeadmInitStep), 'cluster-ports-free', ctx)).toMatchObject({ ok: true, detail: expect.stringMatching(/kubeadm reset \(inside u7s-admin's namespaces\) runs first/) });
  });

  it('the endpoint is only probed once the cluster should answer (its init finished, or no init in the playbook)', async () => {
    const before = preflightContext('w-1', { planned: [{ kind: 'kubeadm-init', host: 'cp-1', step: 'init', finished: false }] });
    expect(await evaluate(checksOf(kubeadmJoinStep), 'endpoint-reachable', before)).toMatchObject({ ok: true, detail: expect.stringMatching(/answers once kubeadm init has run/) });
    expect(before.probes).toEqual([]);
    const dayTwo = preflightContext('w-1', { probe: () => ({ exitCode: 0 }) });
    expect(await evaluate(checksOf(kubeadmJoinStep), 'endpoint-reachable', dayTwo, { endpoint: '10.0.0.100:8443' })).toEqual({ ok: true, detail: 'https://10.0.0.100:8443/healthz answers' });
    expect(dayTwo.probes).toEqual(["curl -sk --max-time 5 -o /dev/null https://10.0.0.100:8443/healthz"]);
  });

  it('an explicit interface that exists wins over the one the facts found', async () => {
    const inv = inventoryWith((i) => (i.hosts[3]!.vars['interface'] = 'ens4'));
    const f = factsOf('lb-1');
    f.interfaces['ens4'] = { name: 'ens4', up: true, addresses: [{ address: '10.0.0.55', prefix: 24, family: 'inet', subnet: '10.0.0.0/24' }] };
    const ctx = preflightContext('lb-1', { inventory: inv, facts: { 'lb-1': f } });
    expect(await evaluate(checksOf(keepalivedStep), 'keepalived-interface', ctx)).toEqual({ ok: true, detail: 'ens4 (inventory)' });
    expect(await evaluate(checksOf(keepalivedStep), 'vip-subnet', ctx)).toEqual({ ok: true, detail: '10.0.0.100 in 10.0.0.0/24 on ens4' });
  });
});
