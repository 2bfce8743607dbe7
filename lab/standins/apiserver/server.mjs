// The lab's Kubernetes API server: real sockets and real TLS in front of the simulated cluster.
// One listener per control plane (its INTERNAL:6443) and one per load-balancer frontend (the
// VIP's :8443, standing in for haproxy behind keepalived). Each connection is decided by the
// simulated state at that moment, by the same rules the stand-ins use (lib/net.mjs): a control
// plane that is not initialised or whose u7s.service is stopped resets the connection; a
// frontend forwards the raw TCP stream to a live control plane its running haproxy lists
// (round robin), through the node keepalived gives the VIP to, or resets it. TLS is served with
// a certificate signed by the cluster CA for that control plane's address and the
// control-plane endpoint, made on first use and again after a re-init (a new CA); client
// certificates are requested against the current CA.
//
// A reusable module: `startApiServer({apiservers, frontends})` serves whatever addresses it is
// given (the lab's loopback /24, or an address inside a network namespace), reading the lab's
// state from LAB_DIR (lib/env.mjs).
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCluster } from '../lib/cluster.mjs';
import { LAB_DIR, nodeInfo, refreshLabState, labState } from '../lib/env.mjs';
import { apiRoute, controlPlaneUp } from '../lib/net.mjs';
import { issueCert } from '../lib/pki.mjs';
import { handleRequest } from './handler.mjs';

const LOG = join(LAB_DIR, 'apiserver.log');

function log(fields) {
  try {
    appendFileSync(LOG, JSON.stringify({ time: new Date().toISOString(), ...fields }) + '\n');
  } catch {
    // the lab directory went away: nothing to log to
  }
}

/** What a tls.Server would set by itself (a raw TLSSocket gets none). */
const SESSION_ID_CONTEXT = 'podsec-play-lab-apiserver';

/** Serving contexts by CA hash, node and endpoint: one certificate per control plane and CA. */
const contexts = new Map();

async function servingContext(cluster, node) {
  const me = nodeInfo(node);
  const endpointHost = (cluster.controlPlaneEndpoint ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const key = `${cluster.caHash}|${node}|${endpointHost}`;
  let pending = contexts.get(key);
  if (!pending) {
    const ips = [...new Set([me.internalAddress, '10.96.0.1', ...(net.isIP(endpointHost) ? [endpointHost] : [])])];
    const dns = [...new Set([node, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...(endpointHost && !net.isIP(endpointHost) ? [endpointHost] : [])])];
    pending = issueCert(cluster.ca, { cn: 'kube-apiserver', server: true, ips, dns }).then((pair) =>
      // sessionIdContext: client certificates are requested, and OpenSSL refuses to resume a
      // TLS 1.2 session without one ("internal error" alert) - haproxy's check-ssl resumes its
      // sessions, so every other health check failed and a server took ~30 s to count as UP.
      tls.createSecureContext({ key: pair.key, cert: pair.cert, ca: cluster.ca.cert, sessionIdContext: SESSION_ID_CONTEXT }),
    );
    contexts.set(key, pending);
    pending.catch(() => contexts.delete(key));
  }
  return pending;
}

function refuse(socket) {
  // What a closed port looks like from the client's side, as near as a listening socket gets
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function httpServer() {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const address = `${req.socket.localAddress}:${req.socket.localPort}`;
    const started = Date.now();
    handleRequest(req, res, { address }).then(
      (r) => log({ node: req.socket.labNode, method: req.method, path: (req.url ?? '').split('?')[0], user: r.user, status: r.status, ms: Date.now() - started, ...(r.error ? { error: r.error } : {}) }),
      (err) => {
        log({ node: req.socket.labNode, method: req.method, path: req.url, status: 500, error: String(err?.stack ?? err) });
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

/** A control plane's API server on address:port. */
function apiserverListener(node, http_) {
  return net.createServer((socket) => {
    socket.pause();
    socket.on('error', () => undefined);
    refreshLabState();
    const cluster = readCluster();
    if (!cluster.ca || !controlPlaneUp(cluster, node)) return refuse(socket);
    servingContext(cluster, node).then(
      (secureContext) => {
        if (socket.destroyed) return;
        const t = new tls.TLSSocket(socket, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
        t.labNode = node;
        t.on('error', () => t.destroy());
        http_.emit('connection', t);
      },
      (err) => {
        log({ node, error: `cannot make a serving certificate: ${err?.message ?? err}` });
        refuse(socket);
      },
    );
  });
}

/** A load-balancer frontend (the VIP): TCP to a live control plane, as haproxy in mode tcp. */
function frontendListener(address, port) {
  let next = 0;
  return net.createServer((socket) => {
    socket.pause();
    socket.on('error', () => undefined);
    refreshLabState();
    const route = apiRoute(readCluster(), address, port, labState().nodes[0]?.name);
    if (!route.ok || route.backends.length === 0) return refuse(socket);
    const backend = route.backends[next++ % route.backends.length];
    const upstream = net.connect({ host: backend.address, port: 6443 });
    upstream.on('error', () => refuse(socket));
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    upstream.on('connect', () => {
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    });
  });
}

function listen(server, address, port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(new Error(`cannot listen on ${address}:${port}: ${err.message}`));
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      server.on('error', () => undefined);
      resolve();
    });
  });
}

/**
 * Serve. `apiservers`: [{node, address, port}] (a control plane's API server, port 6443);
 * `frontends`: [{address, port}] (the VIP). Resolves once every socket listens; `close()`
 * stops them and ends open connections.
 */
export async function startApiServer({ apiservers = [], frontends = [] }) {
  const http_ = httpServer();
  const servers = [];
  const sockets = new Set();
  const track = (s) => {
    s.on('connection', (c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
    servers.push(s);
    return s;
  };
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    for (const c of sockets) c.destroy();
    http_.closeAllConnections?.();
  };
  try {
    for (const a of apiservers) await listen(track(apiserverListener(a.node, http_)), a.address, a.port);
    for (const f of frontends) await listen(track(frontendListener(f.address, f.port)), f.address, f.port);
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}

