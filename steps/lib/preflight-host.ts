// Preflight checks about one host, as pure functions of its gathered facts: packages, kernel,
// swap, cgroup v2, user namespaces, the clock, free ports, free disk, the package mirrors, the
// internal address and the hostname. Step kinds list the ones they need (preflight-sets.ts);
// a new check is one more factory here with a stable id, a reason and a fix.
import { formatSkew } from '../../engine/facts/summary.js';
import type { HostFacts, ListeningSocket } from '../../engine/facts/types.js';
import type { PreflightCheck, PreflightContext, PreflightVerdict } from '../../engine/step-kind.js';
import { nodeName } from './cluster-hosts.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCheck = PreflightCheck<any>;

export const GiB = 2 ** 30;

const ok = (detail?: string): PreflightVerdict => (detail ? { ok: true, detail } : { ok: true });
const failed = (reason: string, fix: string): PreflightVerdict => ({ ok: false, reason, fix });

export function packageInstalled(name: string, needed: string): AnyCheck {
  return {
    id: `package-${name}`,
    title: () => `${name} installed`,
    evaluate(ctx) {
      const version = ctx.facts.packages[name];
      if (version) return ok(`${name} ${version}`);
      if (ctx.facts.unknown['packages']) return failed(`cannot tell whether ${name} is installed: ${ctx.facts.unknown['packages']}`, `install ${name} (${needed})`);
      return failed(`${name} is not installed (${needed})`, `apt-get install ${name}`);
    },
  };
}

/** `6.1.130-un-def-alt1` → [6, 1]. */
function kernelVersion(release: string | undefined): [number, number] | undefined {
  const m = release ? /^(\d+)\.(\d+)/.exec(release) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function kernelAtLeast(major: number, minor: number): AnyCheck {
  return {
    id: 'kernel',
    title: () => `kernel ${major}.${minor} or newer`,
    evaluate(ctx) {
      const v = kernelVersion(ctx.facts.kernel);
      if (!v) return failed(`cannot read the kernel version (uname -r said ${JSON.stringify(ctx.facts.kernel ?? '')})`, 'check that uname works on the host');
      if (v[0] > major || (v[0] === major && v[1] >= minor)) return ok(`kernel ${ctx.facts.kernel}`);
      return failed(`kernel ${ctx.facts.kernel} is older than ${major}.${minor} (podsec-k8s needs ${major}.${minor}+)`, `upgrade the kernel (apt-get install kernel-image-un-def) and reboot`);
    },
  };
}

export const swapOff: AnyCheck = {
  id: 'swap-off',
  title: () => 'swap is off',
  evaluate(ctx) {
    if (!ctx.facts.swap.on) return ok('no swap');
    const what = ctx.facts.swap.devices.map((d) => `${d.name}${d.sizeBytes ? ` (${formatBytes(d.sizeBytes)})` : ''}`).join(', ');
    return failed(`swap is on: ${what} (kubelet refuses to start with swap)`, 'swapoff -a, and remove the swap lines from /etc/fstab so it stays off after a reboot');
  },
};

export const cgroupV2: AnyCheck = {
  id: 'cgroup-v2',
  title: () => 'cgroup v2 (unified hierarchy)',
  evaluate(ctx) {
    const c = ctx.facts.cgroup;
    if (c.version === 2) return ok(`/sys/fs/cgroup is ${c.fs}`);
    if (c.version === undefined && c.fs === undefined) return failed(`cannot tell: ${ctx.facts.unknown['cgroup'] ?? 'no answer'}`, 'check that findmnt or stat works on the host');
    return failed(`/sys/fs/cgroup is ${c.fs ?? 'not cgroup2'}: cgroup v1 (rootless Kubernetes needs cgroup v2)`, 'boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line');
  },
};

export const userNamespaces: AnyCheck = {
  id: 'user-namespaces',
  title: () => 'user namespaces allowed',
  evaluate(ctx) {
    const max = ctx.facts.sysctl['user.max_user_namespaces'];
    if (max === undefined) return ok('user.max_user_namespaces not reported');
    if (Number(max) > 0) {
      const clone = ctx.facts.sysctl['kernel.unprivileged_userns_clone'];
      return ok(`user.max_user_namespaces=${max}${clone === undefined ? '' : `, kernel.unprivileged_userns_clone=${clone} (podsec-create-policy sets 1)`}`);
    }
    return failed(`user.max_user_namespaces is ${max}: no user namespaces, so no rootless Kubernetes`, 'sysctl -w user.max_user_namespaces=28633, and set it in /etc/sysctl.d/ to keep it');
  },
};

/** The host's clock against the controller's (which is the reference an admin can see). */
export function clockInStep(maxSkewMs = 30_000): AnyCheck {
  return {
    id: 'clock',
    title: () => `clock within ${Math.round(maxSkewMs / 1000)}s of the controller's`,
    evaluate(ctx) {
      const t = ctx.facts.time;
      const sync = t.synchronized === undefined ? 'synchronisation unknown' : t.synchronized ? 'NTP synchronised' : 'not NTP synchronised';
      if (t.skewMs === undefined) return failed(`cannot read the host's clock (date gave no answer)`, 'check that date works on the host');
      if (Math.abs(t.skewMs) <= maxSkewMs) return ok(`in step, ${sync}`);
      return failed(
        `the clock is ${formatSkew(t.skewMs)} of the controller's (${sync}): certificates and bootstrap tokens would be refused`,
        'set the time: enable NTP (timedatectl set-ntp true, or chronyc makestep), or fix the controller\'s clock if it is the wrong one',
      );
    },
  };
}

function describeSocket(s: ListeningSocket): string {
  return `${s.port}/${s.proto}${s.process ? ` by ${s.process}` : ''} (${s.address})`;
}

export interface PortsSpec {
  /** Stable id: the ports are part of what it checks. */
  id: string;
  title: string;
  tcp: readonly number[];
  udp?: readonly number[];
  /** Programs that may hold them: the step's own (haproxy on its frontend). */
  allowed?: readonly string[];
  /** Why they must be free (for the reason). */
  why: string;
  /** When the step will not need them (already done, say): the words for an ok. */
  notNeeded?(ctx: PreflightContext): string | undefined;
}

export function portsFree(spec: PortsSpec): AnyCheck {
  return {
    id: spec.id,
    title: () => spec.title,
    evaluate(ctx) {
      const skip = spec.notNeeded?.(ctx);
      if (skip) return ok(skip);
      if (ctx.facts.unknown['listening']) return failed(`cannot tell which ports are taken: ${ctx.facts.unknown['listening']}`, 'install iproute2 (ss)');
      const taken = ctx.facts.listening.filter(
        (s) =>
          ((s.proto === 'tcp' && spec.tcp.includes(s.port)) || (s.proto === 'udp' && (spec.udp ?? []).includes(s.port))) &&
          !(s.process && (spec.allowed ?? []).includes(s.process)),
      );
      const all = [...spec.tcp.map((p) => `${p}/tcp`), ...(spec.udp ?? []).map((p) => `${p}/udp`)].join(', ');
      if (taken.length === 0) return ok(`${all} free`);
      return failed(`${taken.map(describeSocket).join(', ')} already taken (${spec.why})`, 'stop the program that holds it (ss -ltnup shows it), or use another host');
    },
  };
}

export function diskFree(minBytes: number, why: string): AnyCheck {
  return {
    id: `disk-var-lib`,
    title: () => `${formatBytes(minBytes)} free under /var/lib`,
    evaluate(ctx) {
      const d = ctx.facts.disk.varLib;
      if (!d) return failed(`cannot tell: ${ctx.facts.unknown['disk'] ?? 'df gave no answer'}`, 'check that df works on the host');
      if (d.availableBytes >= minBytes) return ok(`${formatBytes(d.availableBytes)} free on ${d.mount ?? '/var/lib'}`);
      return failed(`only ${formatBytes(d.availableBytes)} free under /var/lib (on ${d.mount ?? '?'}); ${why}`, `free space or grow the file system holding /var/lib to at least ${formatBytes(minBytes)} free`);
    },
  };
}

export const aptSourcesAnswer: AnyCheck = {
  id: 'apt-sources',
  title: () => 'the package mirrors answer',
  needs: { apt: true },
  evaluate(ctx) {
    const sources = ctx.facts.apt?.sources;
    if (!sources) return failed('the package sources were not probed', 'report this as a bug of podsec-play');
    if (sources.length === 0) return failed('no package sources are configured in /etc/apt/sources.list(.d)', 'configure the ALT mirror (apt-repo add p10, say): podsec\'s kubeadm runs apt-get update and installs Kubernetes on every call');
    const bad = sources.filter((s) => !s.ok);
    if (bad.length === 0) return ok(sources.map((s) => `${s.url} ${s.detail}`).join('; '));
    return failed(
      `${bad.map((s) => `${s.url} did not answer: ${s.detail}`).join('; ')} (podsec's kubeadm runs apt-get update and installs Kubernetes on every call)`,
      'check the mirror in /etc/apt/sources.list.d/, the network, DNS and any proxy (http_proxy) from this host',
    );
  },
};

export const internalAddressHeld: AnyCheck = {
  id: 'internal-address',
  title: () => 'the host holds its internal address',
  evaluate(ctx) {
    const f = ctx.facts;
    if (f.internal) return ok(`${f.internal.address}/${f.internal.prefix} on ${f.internal.interface}`);
    const have = describeAddresses(f);
    return failed(
      `${ctx.host.internalAddress} is not an address of this host (it has ${have || 'no addresses'}); kubeadm, haproxy and the image policy would use it`,
      `set internalAddress of ${ctx.host.name} in the inventory to its cluster address (one of the above)`,
    );
  },
};

/** Hosts become Kubernetes nodes under their hostname: it must be the node name podsec-play expects. */
export const hostnameIsNodeName: AnyCheck = {
  id: 'hostname',
  title: () => 'hostname matches the node name',
  evaluate(ctx) {
    const want = nodeName(ctx.host);
    const have = ctx.facts.hostname;
    if (!have) return failed('cannot read the hostname (uname -n gave no answer)', 'check that uname works on the host');
    if (have.toLowerCase() === want.toLowerCase()) return ok(`hostname ${have}`);
    return failed(
      `the hostname is ${have} but the inventory calls this node ${want} (kubeadm registers the node under its hostname)`,
      `hostnamectl set-hostname ${want} on the host, or set vars.nodeName: ${have} for ${ctx.host.name} in the inventory`,
    );
  },
};

export function describeAddresses(f: HostFacts): string {
  return Object.values(f.interfaces)
    .filter((i) => i.name !== 'lo')
    .flatMap((i) => i.addresses.filter((a) => !a.address.startsWith('fe80:')).map((a) => `${a.address}/${a.prefix} on ${i.name}`))
    .join(', ');
}

export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(n >= 10 * GiB ? 0 : 1)} GiB`;
  return `${Math.round(n / 2 ** 20)} MiB`;
}
