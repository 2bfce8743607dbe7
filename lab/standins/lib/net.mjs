// Who answers where in the simulated network: an API server on IP:6443 of every initialised,
// running control plane; haproxy frontends on LB nodes that route to such a control plane; the
// VIP on nodes whose running keepalived carries it. Used by kubeadm join, kubectl and curl, and
// by the lab's API server to accept and route real connections. On a testbed node the network
// is real: reachApi's answer is a real dial (lib/dial.mjs).
import { labState, nodeByAddress, nodeInfo, NODE } from './env.mjs';
import { dialApi } from './dial.mjs';
import { unitState } from './services.mjs';
import { parseHaproxy, serversFor } from './haproxy-config.mjs';
import { parseKeepalived } from './keepalived-config.mjs';
import { hostConfig } from './host-config.mjs';

/** An initialised control plane whose u7s.service runs. */
export function controlPlaneUp(cluster, name) {
  return cluster.nodes[name]?.controlPlane === true && unitState('u7s', name).active;
}

function runningConfig(unit, node) {
  const s = unitState(unit, node);
  return s.active && typeof s.config === 'string' ? s.config : undefined;
}

/** The VRRP instances a node's running keepalived runs: those on an interface the node has
 * (keepalived leaves the others down); priority decides the VIP in `vipHolder`. */
export function keepalivedInstances(node) {
  const text = runningConfig('keepalived', node);
  const nic = hostConfig(node).interface;
  return text ? parseKeepalived(text).instances.filter((i) => i.interface === nic || i.interface === 'lo') : [];
}

/** The node holding `vip`: the running keepalived carrying it with the highest priority. */
export function vipHolder(vip) {
  let best;
  for (const n of labState().nodes) {
    for (const inst of keepalivedInstances(n.name)) {
      if (!inst.vips.includes(vip)) continue;
      const score = inst.priority * 2 + (inst.state === 'MASTER' ? 1 : 0);
      if (!best || score > best.score) best = { node: n.name, score };
    }
  }
  return best?.node;
}

/** The running control planes haproxy on `node` sends host:port to: [{node, address}]. */
export function haproxyBackends(cluster, node, host, port) {
  const text = runningConfig('haproxy', node);
  if (!text) return [];
  return serversFor(parseHaproxy(text), host, port).flatMap((s) => {
    const target = s.host === 'localhost' || s.host === '127.0.0.1' ? nodeInfo(node) : nodeByAddress(s.host);
    return target && s.port === 6443 && controlPlaneUp(cluster, target.name) ? [{ node: target.name, address: target.internalAddress }] : [];
  });
}

/** Does haproxy on `node` take host:port and route it to a running control plane? */
export function haproxyRoutes(cluster, node, host, port) {
  return haproxyBackends(cluster, node, host, port).length > 0;
}

/**
 * Where https://host:port leads, seen from `from`: {ok, via, backends} where `via` is the node
 * answering (a control plane, or the LB whose haproxy takes it) and `backends` the API servers
 * behind it; or {ok:false, error} in Go's dial wording. The lab's API server routes real
 * connections by the same rule (lab/standins/apiserver/), so simulation and sockets agree.
 */
export function apiRoute(cluster, host, port, from = NODE) {
  const h = host === 'localhost' || host === '127.0.0.1' ? nodeInfo(from)?.internalAddress : host;
  const dial = `dial tcp ${host}:${port}: connect:`;
  const direct = nodeByAddress(h);
  if (direct) {
    if (port === 6443 && controlPlaneUp(cluster, direct.name)) return { ok: true, via: direct.name, backends: [{ node: direct.name, address: direct.internalAddress }] };
    const backends = haproxyBackends(cluster, direct.name, h, port);
    if (backends.length) return { ok: true, via: direct.name, backends };
    return { ok: false, error: `${dial} connection refused` };
  }
  const holder = vipHolder(h);
  if (!holder) return { ok: false, error: `${dial} no route to host` };
  // The holder first: keepalived gives the VIP to it; another carrier only stands in when the
  // holder's haproxy has nowhere to send the connection.
  const carriers = labState().nodes.filter((n) => keepalivedInstances(n.name).some((i) => i.vips.includes(h)));
  for (const n of [...carriers.filter((c) => c.name === holder), ...carriers.filter((c) => c.name !== holder)]) {
    const backends = haproxyBackends(cluster, n.name, h, port);
    if (backends.length) return { ok: true, via: n.name, backends };
  }
  return { ok: false, error: `${dial} connection refused` };
}

/** Is https://host:port an API server, seen from `from`? {ok, via} or {ok:false, error} (Go dial style).
 * `waitMs`: on a testbed, keep dialling until then (kubeadm waits for its endpoint; the lab's
 * simulated network answers at once either way). */
export function reachApi(cluster, host, port, from = NODE, { waitMs = 0 } = {}) {
  if (labState().testbed && from === NODE) return dialApi(host, port, waitMs);
  return apiRoute(cluster, host, port, from);
}

export function splitHostPort(endpoint) {
  const m = String(endpoint).match(/^\[?([^\]]+?)\]?:(\d+)$/);
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}
