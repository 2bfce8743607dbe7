#!/usr/bin/env node
// The registry host's HTTP services as real sockets on a testbed node (testbed/), where curl is
// the real program: `http-daemon.mjs --registry ADDRESS:80` (docker-registry) or `--sigstore
// ADDRESS:81` (nginx's /var/sigstore site), answering what lib/http-services.mjs says, with the
// node's LAB_* environment. Started and stopped by the stand-in systemctl (lib/daemons.mjs);
// serves until SIGTERM.
import http from 'node:http';
import { URL } from 'node:url';
import { NODE } from './env.mjs';
import { registryAnswer, sigstoreAnswer } from './http-services.mjs';

const [flag, where] = process.argv.slice(2);
const m = /^(.+):(\d+)$/.exec(where ?? '');
const answer = flag === '--registry' ? registryAnswer : flag === '--sigstore' ? sigstoreAnswer : undefined;
if (!m || !answer) {
  process.stderr.write('usage: http-daemon.mjs --registry|--sigstore ADDRESS:PORT\n');
  process.exit(2);
}
const server = http.createServer((req, res) => {
  let r;
  try {
    r = answer(NODE, new URL(req.url ?? '/', 'http://x').pathname);
  } catch (e) {
    r = { status: 500, body: String(e?.message ?? e) };
  }
  res.writeHead(r.status, { 'Content-Length': Buffer.byteLength(r.body), ...(r.headers ?? {}) });
  res.end(req.method === 'HEAD' ? undefined : r.body);
});
server.listen(Number(m[2]), m[1], () => process.stdout.write(`${flag.slice(2)} serving on http://${where}/\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
