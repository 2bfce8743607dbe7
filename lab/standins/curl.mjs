#!/usr/bin/env node
// curl stand-in: answers from the simulation. https://HOST:PORT/healthz (and /livez, /readyz,
// /version) where an API server or an haproxy frontend routes to one; http://sigstore.local:81/
// serves the registry node's /var/sigstore (a directory as nginx's JSON autoindex);
// http://registry.local/v2/ the registry API of docker-registry: _catalog, REPO/tags/list and
// REPO/manifests/TAG (with its Docker-Content-Digest header; -I shows the headers); a URL naming
// flannel returns a flannel manifest; ALT's package mirrors (*.altlinux.org, *.altsp.su) answer.
// Anything else cannot be resolved (no Internet).
// Models: curl 8 as podsec-create-policy and the wrapper use it (alt-cloud/podsec 5014172), docker-registry's API v2.
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { standin, fail, out } from './lib/main.mjs';
import { nodeByAddress, nodePath, nodeInfo, NODE } from './lib/env.mjs';
import { resolveName } from './lib/hosts.mjs';
import { readCluster } from './lib/cluster.mjs';
import { reachApi } from './lib/net.mjs';
import { isActive } from './lib/services.mjs';
import { registryAnswer, sigstoreAnswer } from './lib/http-services.mjs';
import { FLANNEL_MANIFEST } from './lib/manifests.mjs';
import { PUBLIC_REGISTRIES, reachesPublicRegistries } from './lib/host-config.mjs';

const WITH_VALUE = new Set(['o', 'w', 'm', 'X', 'H', 'u', 'd', 'e', 'A', 'b', 'c', 'E', 'T', 'x', 'r']);
const LONG_VALUE = new Set(['--output', '--write-out', '--max-time', '--connect-timeout', '--request', '--header', '--cacert', '--cert', '--key', '--data', '--user', '--retry', '--retry-delay', '--resolve', '--user-agent']);

function parse(args) {
  const o = { urls: [], flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (LONG_VALUE.has(name)) o[name.slice(2)] = inline ?? args[++i];
      else o.flags.add(name);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (WITH_VALUE.has(c)) {
          o[c] = a.slice(j + 1) || args[++i];
          break;
        }
        o.flags.add(`-${c}`);
      }
    } else o.urls.push(a);
  }
  return o;
}

function api(path) {
  if (['/healthz', '/livez', '/readyz'].includes(path)) return { status: 200, body: 'ok' };
  if (path === '/version') return { status: 200, body: JSON.stringify({ major: '1', minor: '28', gitVersion: 'v1.28.3' }, null, 2) };
  return { status: 403, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `forbidden: User "system:anonymous" cannot get path "${path}"`, reason: 'Forbidden', code: 403 }, null, 2) };
}

/** {status, body} for a URL, or {curlExit, message}. */
function fetchSim(url, o) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return { curlExit: 3, message: `URL rejected: Malformed input to a URL function` };
  }
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const name = u.hostname.replace(/^\[|\]$/g, '');
  const local = name === 'localhost' || name === '127.0.0.1';
  const ip = local ? nodeInfo()?.internalAddress : /^\d+\.\d+\.\d+\.\d+$/.test(name) ? name : resolveName(name) ?? nodeByAddress(name)?.internalAddress;
  if (!ip) {
    if (PUBLIC_REGISTRIES.includes(name) && https) {
      // A public registry (the Internet mode's): its API root answers while host.json lets the
      // node reach the Internet's registries; the lab serves no repositories through curl.
      if (!reachesPublicRegistries()) return { curlExit: 6, message: `Could not resolve host: ${name}` };
      if (u.pathname === '/v2/' || u.pathname === '/v2') return { status: 200, body: '{}' };
      return { status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }) };
    }
    if (/flannel/i.test(url)) return { status: 200, body: FLANNEL_MANIFEST };
    if (/(^|\.)(altlinux\.org|altsp\.su)$/.test(name) && ['http:', 'https:', 'ftp:'].includes(u.protocol)) return { status: 200, body: '<html><body>ALT Linux mirror</body></html>' };
    return { curlExit: 6, message: `Could not resolve host: ${name}` };
  }
  const target = nodeByAddress(ip);
  const refused = { curlExit: 7, message: `Failed to connect to ${name} port ${port} after 0 ms: Couldn't connect to server` };
  if (!https && target && port === 80 && isActive('docker-registry', target.name)) return registryAnswer(target.name, u.pathname);
  if (!https && target && port === 81 && isActive('nginx', target.name)) return sigstoreAnswer(target.name, u.pathname);
  const reach = reachApi(readCluster(), local ? name : ip, port, NODE);
  if (!reach.ok) return refused;
  if (!https) return { status: 400, body: 'Client sent an HTTP request to an HTTPS server.' };
  if (!o.flags.has('-k') && !o.flags.has('--insecure') && !o.cacert) {
    return { curlExit: 60, message: 'SSL certificate problem: unable to get local issuer certificate' };
  }
  return api(u.pathname);
}

standin(async (args, record) => {
  const o = parse(args);
  if (o.urls.length === 0) fail("curl: try 'curl --help' for more information", 2);
  const silent = o.flags.has('-s') || o.flags.has('--silent');
  const showError = o.flags.has('-S') || o.flags.has('--show-error');
  const failOnHttp = o.flags.has('-f') || o.flags.has('--fail');
  const output = o.o ?? o.output;
  const writeOut = o.w ?? o['write-out'];
  record.urls = o.urls;
  let code = 0;
  for (const url of o.urls) {
    const r = fetchSim(url, o);
    if (r.curlExit) {
      if (!silent || showError) process.stderr.write(`curl: (${r.curlExit}) ${r.message}\n`);
      if (writeOut) out(writeOut.replace(/%\{http_code\}/g, '000').replace(/\\n/g, '\n'));
      code = r.curlExit;
      continue;
    }
    if (failOnHttp && r.status >= 400) {
      if (!silent || showError) process.stderr.write(`curl: (22) The requested URL returned error: ${r.status}\n`);
      code = 22;
    } else if (o.flags.has('-I') || o.flags.has('--head') || o.flags.has('-i') || o.flags.has('--include')) {
      const head = `HTTP/1.1 ${r.status} ${r.status === 200 ? 'OK' : r.status === 404 ? 'Not Found' : 'Error'}\r\n${Object.entries({ 'Content-Length': String(Buffer.byteLength(r.body)), ...(r.headers ?? {}) }).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
      const text = o.flags.has('-I') || o.flags.has('--head') ? head : head + r.body;
      if (output) writeFileSync(nodePath(output), text);
      else out(text);
    } else if (output) writeFileSync(nodePath(output), r.body);
    else out(r.body);
    if (writeOut) out(writeOut.replace(/%\{http_code\}/g, String(r.status)).replace(/\\n/g, '\n'));
  }
  record.exitReason = code ? `curl ${code}` : undefined;
  return code;
});
