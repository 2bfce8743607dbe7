// Preflight checks across hosts and about the cluster's network: unique hostnames, machine-ids
// and internal addresses among the nodes; the VIP inside the subnet of the control planes and
// load balancers; a route from every node to the registry host; the join endpoint reachable
// from the joining node (probed read-only once the API should be up); kubeadm state left by
// someone else; the interface keepalived will use.
import { inSubnet, isIpAddress } from '../../engine/facts/ip-address.js';
import { routeTo } from '../../engine/facts/parse-net.js';
import type { HostFacts } from '../../engine/facts/types.js';
import { quote } from '../../engine/util/shell.js';
import type { Host } from '../../engine/model.js';
import type { PreflightContext, PreflightVerdict } from '../../engine/step-kind.js';
import { apiEndpoint, clusterVip, masterHost, NODE_ROLES, splitHostPort } from './cluster-hosts.js';
import { decideInit, decideJoin } from './kubeadm.js';
import { describeAddresses, type AnyCheck } from './preflight-host.js';
import { ADMIN_CONF, ETCD_MEMBER, INIT_STARTED, JOIN_STARTED, KUBELET_CONF, describeState, type NodeState } from './u7s.js';

const ok = (detail?: string): PreflightVerdict => (detail ? { ok: true, detail } : { ok: true });
const failed = (reason: string, fix: string): PreflightVerdict => ({ ok: false, reason, fix });

function nodes(ctx: PreflightContext): Host[] {
  return ctx.inventory.hosts.filter((h) => h.roles.some((r) => (NODE_ROLES as readonly string[]).includes(r)));
}

function uniqueFact(id: string, what: string, read: (f: HostFacts) => string | undefined, fix: (value: string) => string): AnyCheck {
  return {
    id,
    title: () => `${what} unique among the nodes`,
    evaluate(ctx) {
      const mine = read(ctx.facts);
      if (!mine) return failed(`cannot read the ${what}`, 'check the host (the facts list what could not be read)');
      const same = nodes(ctx)
        .filter((h) => h.name !== ctx.host.name)
        .filter((h) => {
          const f = ctx.factsOf(h.name);
          return f !== undefined && read(f)?.toLowerCase() === mine.toLowerCase();
        })
        .map((h) => h.name);
      if (same.length === 0) return ok(`${what} ${mine}`);
      return failed(`${what} ${mine} is also ${same.join(', ')}'s: the nodes would clash in the cluster`, fix(mine));
    },
  };
}

export const uniqueHostname = uniqueFact('unique-hostname', 'hostname', (f) => f.hostname, () => 'give every node its own hostname (hostnamectl set-hostname NAME)');

export const uniqueMachineId = uniqueFact(
  'unique-machine-id',
  'machine-id',
  (f) => f.machineId,
  () => 'a cloned machine: on one of them, rm /etc/machine-id && systemd-machine-id-setup, then reboot',
);

export const uniqueInternalAddress: AnyCheck = {
  id: 'unique-internal-address',
  title: () => 'internal address unique',
  evaluate(ctx) {
    const same = ctx.inventory.hosts.filter((h) => h.name !== ctx.host.name && h.internalAddress === ctx.host.internalAddress).map((h) => h.name);
    if (same.length === 0) return ok(ctx.host.internalAddress);
    return failed(`${ctx.host.internalAddress} is also the internal address of ${same.join(', ')}`, 'give every host its own internalAddress in the inventory');
  },
};

/** The subnet of this host's internal address contains the VIP (control planes and LBs share it). */
export const vipInSubnet: AnyCheck = {
  id: 'vip-subnet',
  title: () => "the VIP is in this host's subnet",
  evaluate(ctx) {
    const vip = clusterVip(ctx);
    if (!vip) return ok('no VIP (single master)');
    const subnet = ctx.facts.internal?.subnet;
    if (!subnet) return failed(`cannot tell: ${ctx.host.internalAddress} is not an address of this host`, `set internalAddress of ${ctx.host.name} to its cluster address`);
    if (inSubnet(vip, subnet)) return ok(`${vip} in ${subnet}`);
    return failed(
      `the VIP ${vip} is outside ${subnet}, the subnet of ${ctx.host.name} (${ctx.facts.internal!.interface}): control planes and load balancers must share one subnet with the VIP`,
      'choose a free VIP in the subnet the control planes and load balancers share (cluster.vip and cluster.controlPlaneEndpoint)',
    );
  },
};

function routeCheck(ctx: PreflightContext, target: string, what: string): PreflightVerdict {
  if (!isIpAddress(target)) return ok(`${what} ${target} is a name: not checked`);
  if (ctx.facts.internal?.address === target || Object.values(ctx.facts.interfaces).some((i) => i.addresses.some((a) => a.address === target))) {
    return ok(`${what} ${target} is this host`);
  }
  const route = routeTo(ctx.facts.routes, target);
  if (route) return ok(`${what} ${target} via ${route.gateway ? `${route.gateway} ` : ''}${route.dev ?? route.dst}`);
  return failed(
    `no route from ${ctx.host.name} to ${what} ${target} (its routes: ${ctx.facts.routes.map((r) => r.dst).join(', ') || 'none'})`,
    `give ${ctx.host.name} an address in that subnet or a default route (it has ${describeAddresses(ctx.facts) || 'no addresses'})`,
  );
}

/** Every node reaches the registry host (the master: registry.local and sigstore.local). */
export function registryRoute(registryIp: (ctx: PreflightContext, w: { registryIp?: string }) => string | undefined): AnyCheck {
  return {
    id: 'registry-route',
    title: () => 'a route to the registry host',
    evaluate(ctx, w) {
      const ip = registryIp(ctx, w as { registryIp?: string });
      if (!ip) return failed('the inventory has no master (the registry host)', 'give one host the role master');
      return routeCheck(ctx, ip, 'the registry host');
    },
  };
}

export function masterAddress(ctx: PreflightContext): string | undefined {
  try {
    return masterHost(ctx).internalAddress;
  } catch {
    return undefined;
  }
}

/** curl exit codes that mean nothing answered at that address and port. */
const UNANSWERED: Record<number, string> = { 6: 'could not resolve the host', 7: 'could not connect', 28: 'timed out' };

/** The API endpoint a node joins: routed from the node now; answering once the cluster should
 * exist (its kubeadm-init finished, or the playbook has none: a cluster made earlier). */
export const endpointReachable: AnyCheck = {
  id: 'endpoint-reachable',
  title: () => 'the API endpoint reachable from this host',
  async evaluate(ctx, w) {
    const given = typeof (w as { endpoint?: unknown }).endpoint === 'string' ? ((w as { endpoint: string }).endpoint as string) : '';
    let endpoint: string;
    try {
      endpoint = given || apiEndpoint(ctx);
    } catch (err) {
      return failed((err as Error).message, 'give one host the role master, or set cluster.controlPlaneEndpoint');
    }
    const { host, port } = splitHostPort(endpoint);
    const route = routeCheck(ctx, host, 'the endpoint');
    if (!route.ok) return route;
    const inits = ctx.planned('kubeadm-init');
    const clusterUp = inits.length === 0 || inits.every((i) => i.finished);
    if (!clusterUp) return ok(`${route.detail ?? endpoint}; it answers once kubeadm init has run`);
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port ?? 6443}/healthz`;
    const r = await ctx.probe(`curl -sk --max-time 5 -o /dev/null ${quote(url)}`, { timeoutMs: 15_000 });
    const why = r.exitCode !== undefined ? UNANSWERED[r.exitCode] : 'no answer';
    if (why === undefined) return ok(`${url} answers`);
    return failed(`${url} does not answer from ${ctx.host.name} (curl exit ${r.exitCode ?? '?'}: ${why})`, 'check that the API (or the load balancers and the VIP) is up and that nothing between this host and it drops port ' + (port ?? 6443));
  },
};

/** Where kubeadm state lives on a node (read as facts: do these paths exist?). */
export const KUBEADM_PATHS = [ADMIN_CONF, KUBELET_CONF, ETCD_MEMBER, INIT_STARTED, JOIN_STARTED] as const;

export function nodeStateFromFacts(f: HostFacts): NodeState | undefined {
  const p = f.paths;
  if (KUBEADM_PATHS.some((path) => p[path] === undefined)) return undefined;
  const kubeletConf = p[KUBELET_CONF] === true;
  return {
    adminConf: p[ADMIN_CONF] === true,
    kubeletConf,
    etcdMember: p[ETCD_MEMBER] === true,
    // u7s.service is enabled by the same run that writes kubelet.conf.
    u7sEnabled: kubeletConf,
    initStarted: p[INIT_STARTED] === true,
    joinStarted: p[JOIN_STARTED] === true,
  };
}

/** What `kubeadm init|join` will do on this node: skip (done), run, or refuse (someone else's
 * state, etcd data among it): the refusal is found here, before anything changes. */
export function kubeadmState(op: 'init' | 'join'): AnyCheck {
  return {
    id: 'kubeadm-state',
    title: () => `no cluster state left by someone else (etcd data, kubeconfigs)`,
    needs: { paths: KUBEADM_PATHS },
    evaluate(ctx) {
      const s = nodeStateFromFacts(ctx.facts);
      if (!s) return failed('the node state was not read', 'report this as a bug of podsec-play');
      const d = op === 'init' ? decideInit(s) : decideJoin(s);
      if (d.action === 'skip') return ok(d.reason);
      if (d.action === 'run') return ok(d.resetFirst ? `resuming: our own half-finished ${op} is reset first` : 'clean node');
      return failed(
        `the node holds cluster state podsec-play did not create here: ${describeState(s)} (the podsec wrapper would ask "Clear directory? y/N" or wipe it)`,
        'tear it down first: playbooks/reset.yaml, or on the node machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s /usr/bin/kubeadm reset -f and rm -rf /var/lib/podsec/u7s/etcd',
      );
    },
  };
}

/** Is the kubeadm operation going to run here (not skipped as done, not resumed after a reset)? */
export function kubeadmWillRunFresh(ctx: PreflightContext, op: 'init' | 'join'): string | undefined {
  const s = nodeStateFromFacts(ctx.facts);
  if (!s) return undefined;
  const d = op === 'init' ? decideInit(s) : decideJoin(s);
  if (d.action === 'skip') return d.reason;
  if (d.action === 'run' && d.resetFirst) return `resuming: kubeadm reset (inside u7s-admin's namespaces) runs first and frees them`;
  return undefined;
}

/** The interface keepalived will put the VIP on: the explicit one (with.interface, the host's
 * vars.interface) when given, else the one holding the host's internal address. */
export function keepalivedInterface(ctx: { host: Host; facts: HostFacts | undefined }, given: string | undefined): { name?: string; explicit: boolean } {
  const explicit = given ?? (typeof ctx.host.vars['interface'] === 'string' ? (ctx.host.vars['interface'] as string) : undefined);
  if (explicit !== undefined) return { name: explicit, explicit: true };
  return { ...(ctx.facts?.internal ? { name: ctx.facts.internal.interface } : {}), explicit: false };
}

export const keepalivedInterfaceExists: AnyCheck = {
  id: 'keepalived-interface',
  title: () => 'the VRRP interface exists',
  evaluate(ctx, w) {
    const i = keepalivedInterface(ctx, (w as { interface?: string }).interface);
    const names = Object.keys(ctx.facts.interfaces);
    if (!i.name) {
      return failed(
        `cannot tell which interface holds ${ctx.host.internalAddress} (the host has ${describeAddresses(ctx.facts) || 'no addresses'})`,
        `set internalAddress of ${ctx.host.name} to one of its addresses, or vars.interface`,
      );
    }
    if (ctx.facts.interfaces[i.name]) return ok(`${i.name}${i.explicit ? ' (inventory)' : ` (holds ${ctx.facts.internal?.address})`}`);
    return failed(
      `interface ${i.name} does not exist on ${ctx.host.name} (it has ${names.join(', ')}): keepalived would not start`,
      ctx.facts.internal
        ? `remove interface from the inventory (podsec-play then takes ${ctx.facts.internal.interface}, which holds ${ctx.facts.internal.address}), or name an existing interface`
        : 'name an existing interface in vars.interface',
    );
  },
};

/** The VIP inside a subnet of the interface keepalived puts it on (its prefix comes from there). */
export const keepalivedVipSubnet: AnyCheck = {
  id: 'vip-subnet',
  title: () => "the VIP is in this host's subnet",
  evaluate(ctx, w) {
    const vip = (w as { vip?: string }).vip ?? clusterVip(ctx);
    if (!vip) return failed('no VIP: set cluster.vip (or cluster.controlPlaneEndpoint) in the inventory', 'set cluster.vip');
    const i = keepalivedInterface(ctx, (w as { interface?: string }).interface);
    const iface = i.name ? ctx.facts.interfaces[i.name] : undefined;
    if (!iface) return ok('decided with the interface (see keepalived-interface)');
    const hit = iface.addresses.find((a) => inSubnet(vip, a.subnet));
    if (hit) return ok(`${vip} in ${hit.subnet} on ${iface.name}`);
    return failed(
      `the VIP ${vip} is outside every subnet of ${iface.name} on ${ctx.host.name} (${iface.addresses.map((a) => a.subnet).join(', ') || 'no addresses'}): no host there could answer for it`,
      'choose a free VIP in the subnet the load balancers and control planes share (cluster.vip and cluster.controlPlaneEndpoint)',
    );
  },
};
