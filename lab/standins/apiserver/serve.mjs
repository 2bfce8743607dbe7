#!/usr/bin/env node
// The lab API server as a process: `node serve.mjs --apiserver NODE=ADDRESS:PORT …
// [--frontend ADDRESS:PORT …] [--exit-with-stdin]`, with LAB_DIR, LAB_NODE and LAB_NODE_ROOT set
// like a stand-in's (lib/env.mjs). Prints one line `ready` on stdout once every socket listens
// (or `error: MESSAGE` and exits 1), serves until SIGTERM/SIGINT, or until its stdin closes with
// --exit-with-stdin (the lab process that started it has gone). A process of its own: the
// stand-in libraries it shares keep per-lab state in module scope, and a test process runs many
// labs side by side; a network-namespace testbed can run one per namespace.
import { startApiServer } from './server.mjs';

function parseArgs(argv) {
  const o = { apiservers: [], frontends: [], exitWithStdin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--apiserver') {
      const m = /^([^=]+)=(.+):(\d+)$/.exec(value());
      if (!m) throw new Error('--apiserver takes NODE=ADDRESS:PORT');
      o.apiservers.push({ node: m[1], address: m[2], port: Number(m[3]) });
    } else if (a === '--frontend') {
      const m = /^(.+):(\d+)$/.exec(value());
      if (!m) throw new Error('--frontend takes ADDRESS:PORT');
      o.frontends.push({ address: m[1], port: Number(m[2]) });
    } else if (a === '--exit-with-stdin') o.exitWithStdin = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

let server;
try {
  const o = parseArgs(process.argv.slice(2));
  server = await startApiServer(o);
  const stop = () => server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (o.exitWithStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
  process.stdout.write('ready\n');
} catch (err) {
  process.stdout.write(`error: ${err?.message ?? err}\n`);
  process.exit(1);
}
