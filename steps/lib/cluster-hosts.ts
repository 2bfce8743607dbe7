// Which inventory hosts play which part in a podsec cluster: the master (first control plane),
// the control planes behind the load balancer, the nodes expected in `kubectl get nodes`.
import type { Host } from '../../engine/model.js';
import type { StepContext } from '../../engine/step-kind.js';
import { stepError } from './fail.js';

export const CONTROL_PLANE_ROLES = ['master', 'control-plane'] as const;
export const NODE_ROLES = ['master', 'control-plane', 'worker'] as const;

type HostsCtx = Pick<StepContext, 'host' | 'inventory'>;

function withAnyRole(ctx: HostsCtx, roles: readonly string[]): Host[] {
  return ctx.inventory.hosts.filter((h) => h.roles.some((r) => roles.includes(r)));
}

/** The master: `name` when given (must exist), else the first host with role master. */
export function masterHost(ctx: HostsCtx, name?: string): Host {
  if (name !== undefined) {
    const h = ctx.inventory.hosts.find((x) => x.name === name);
    if (!h) throw stepError(ctx, `no inventory host named "${name}" (the master)`);
    return h;
  }
  const m = ctx.inventory.hosts.find((h) => h.roles.includes('master'));
  if (!m) throw stepError(ctx, 'the inventory has no host with role "master"');
  return m;
}

/** Control planes, the master first, then the others in inventory order. */
export function controlPlaneHosts(ctx: HostsCtx): Host[] {
  const all = withAnyRole(ctx, CONTROL_PLANE_ROLES);
  return [...all.filter((h) => h.roles.includes('master')), ...all.filter((h) => !h.roles.includes('master'))];
}

export function isControlPlane(host: Host): boolean {
  return host.roles.some((r) => (CONTROL_PLANE_ROLES as readonly string[]).includes(r));
}

/** The Kubernetes node name of a host: `vars.nodeName` when set (the hostname differs from the
 * inventory name), else the inventory name. */
export function nodeName(host: Host): string {
  const v = host.vars['nodeName'];
  return typeof v === 'string' && v.length > 0 ? v : host.name;
}

/** Every host that becomes a Kubernetes node. */
export function expectedNodes(ctx: HostsCtx): string[] {
  return withAnyRole(ctx, NODE_ROLES).map(nodeName);
}

/** The API endpoint nodes join: cluster.controlPlaneEndpoint (HA), else master:6443. */
export function apiEndpoint(ctx: Pick<StepContext, 'host' | 'inventory' | 'cluster'>): string {
  const cpe = ctx.cluster.controlPlaneEndpoint;
  if (typeof cpe === 'string' && cpe.length > 0) return cpe;
  return `${masterHost(ctx).internalAddress}:6443`;
}

/** The VIP as a bare address (cluster.vip, else the host part of controlPlaneEndpoint). */
export function clusterVip(ctx: Pick<StepContext, 'cluster'>): string | undefined {
  if (typeof ctx.cluster.vip === 'string' && ctx.cluster.vip.length > 0) return ctx.cluster.vip;
  const cpe = ctx.cluster.controlPlaneEndpoint;
  if (typeof cpe !== 'string' || cpe.length === 0) return undefined;
  return splitHostPort(cpe).host;
}

/** `host:port` (or `[v6]:port`) split; port undefined when absent. */
export function splitHostPort(value: string): { host: string; port: number | undefined } {
  const v6 = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(value);
  if (v6) return { host: v6[1] as string, port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const m = /^([^:]+)(?::([0-9]+))?$/.exec(value);
  if (!m) return { host: value, port: undefined };
  return { host: m[1] as string, port: m[2] === undefined ? undefined : Number(m[2]) };
}
