// The API server as the real network sees it, for stand-ins on a testbed node (testbed/): an
// HTTPS GET of /healthz on host:port from this node's network namespace, through whatever
// haproxy and keepalived really do. Synchronous (the callers are), so it runs in a child Node.
// `waitMs` retries until then, the way kubeadm waits for its endpoint (init: the control plane,
// join: discovery) instead of failing at the first refusal.
import { spawnSync } from 'node:child_process';

const PROBE = `
const https = require('node:https');
const [host, port, waitMs] = process.argv.slice(1);
const deadline = Date.now() + Number(waitMs);
const WORDS = { ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable', ETIMEDOUT: 'i/o timeout' };
function once() {
  return new Promise((resolve) => {
    const req = https.get({ host, port: Number(port), path: '/healthz', rejectUnauthorized: false, timeout: 3000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? { ok: true } : { ok: false, error: 'the server answered /healthz with HTTP ' + res.statusCode });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve({ ok: false, error: WORDS[e.code] ?? e.message }));
  });
}
(async () => {
  for (;;) {
    const r = await once();
    if (r.ok || Date.now() + 500 > deadline) return process.stdout.write(JSON.stringify(r));
    await new Promise((t) => setTimeout(t, 500));
  }
})();
`;

/** {ok: true} or {ok: false, error} in Go's dial wording (`dial tcp HOST:PORT: connect: …`). */
export function dialApi(host, port, waitMs = 0) {
  const target = host === 'localhost' ? '127.0.0.1' : host;
  const r = spawnSync(process.execPath, ['-e', PROBE, target, String(port), String(waitMs)], { encoding: 'utf8', timeout: waitMs + 10_000 });
  let result;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    result = { ok: false, error: 'i/o timeout' };
  }
  if (result.ok) return { ok: true, via: target };
  const dial = /^(connection refused|no route to host|network is unreachable|i\/o timeout)$/.test(result.error);
  return { ok: false, error: dial ? `dial tcp ${host}:${port}: connect: ${result.error}` : result.error };
}
