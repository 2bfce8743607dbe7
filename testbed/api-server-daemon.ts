// The process behind u7s.service on a testbed control plane: started by the stand-in systemctl
// (lab/standins/lib/daemons.mjs) inside the node's namespaces, it serves HTTPS on the node's
// address, port 6443, until SIGTERM.
//
// TRANSITIONAL: until the lab's Kubernetes API server (the "after the seal" issue) lands, this
// answers only the health endpoints (/healthz, /livez, /readyz: "ok"; anything else 403 like an
// anonymous request to kube-apiserver), which is what haproxy's checks, keepalived's check
// script and the stand-ins' dial need. It is replaced by that server once it exists.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    node: { type: 'string' },
    address: { type: 'string' },
    port: { type: 'string' },
    'pid-file': { type: 'string' },
  },
});

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

async function selfSigned(address: string, node: string): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=kube-apiserver ${node}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: address }, { type: 'dns', value: node }])],
  });
  return { cert: cert.toString('pem'), key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

async function main(): Promise<void> {
  const address = values.address;
  const port = Number(values.port ?? '6443');
  const node = values.node ?? 'node';
  if (!address) throw new Error('--address is required');
  const tls = await selfSigned(address, node);
  const server = createServer(tls, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(403, { 'content-type': 'application/json' }).end(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `forbidden: User "system:anonymous" cannot get path "${path}"`, reason: 'Forbidden', code: 403 }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  const pidFile = values['pid-file'];
  if (pidFile) writeFileSync(pidFile, `${process.pid}\n`);
  const stop = () => {
    if (pidFile) rmSync(pidFile, { force: true });
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`kube-apiserver (testbed) of ${node} serving on https://${address}:${port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`u7s apiserver: ${(err as Error).message}\n`);
  process.exit(1);
});
