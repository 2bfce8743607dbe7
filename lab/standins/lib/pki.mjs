// The simulated cluster's real PKI: a cluster CA made at `kubeadm init`, client certificates
// for the kubeconfigs kubeadm writes (admin.conf: CN kubernetes-admin, O system:masters), and
// serving certificates for the lab's API server. Real X.509 from @peculiar/x509 on Node's
// WebCrypto (ECDSA P-256, which kubeadm also offers: encryptionAlgorithm ECDSA-P256), so kubectl
// and @kubernetes/client-node verify them like a real cluster's. The library is loaded only by
// the programs that make certificates (it costs ~150 ms to load); checking a certificate uses
// Node's own crypto.X509Certificate.
import { createHash, X509Certificate, randomBytes } from 'node:crypto';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

let lib;

/** The library from node_modules (a checkout, an npm install), else the bundle the single
 * executable carries beside the stand-ins (vendor/x509.mjs, made by `npm run build:sea`). */
async function loadX509() {
  try {
    await import('reflect-metadata');
    return await import('@peculiar/x509');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return import('../vendor/x509.mjs');
  }
}

/** @peculiar/x509 with WebCrypto; reflect-metadata must be loaded before it (its tsyringe needs it). */
async function x509() {
  if (!lib) {
    const mod = await loadX509();
    const { webcrypto } = await import('node:crypto');
    mod.cryptoProvider.set(webcrypto);
    lib = { x: mod, subtle: webcrypto.subtle };
  }
  return lib;
}

function pem(label, der) {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

async function exportKey(subtle, key) {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}

async function importKey(subtle, keyPem) {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

const serial = () => `0${randomBytes(8).toString('hex')}`.slice(0, 16).replace(/^0*/, '1');

/** Validity in real time (clients check certificates against their own clock): from an hour
 * ago, so a node whose clock is a little behind still accepts it. */
function validity(days) {
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * DAY) };
}

/** A new cluster CA: {cert, key} as PEM (CN kubernetes, 10 years, like kubeadm's). */
export async function makeCa() {
  const { x, subtle } = await x509();
  const keys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kubernetes',
    keys,
    signingAlgorithm: ALG,
    ...validity(3650),
    extensions: [
      new x.BasicConstraintsExtension(true, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(subtle, keys.privateKey) };
}

/**
 * A certificate signed by `ca` ({cert, key} PEM). `cn`, `o` (organisations: RBAC groups);
 * `client`/`server` usages; `ips`/`dns` subject alternative names for serving certificates.
 */
export async function issueCert(ca, { cn, o = [], client = false, server = false, ips = [], dns = [], days = 365 }) {
  const { x, subtle } = await x509();
  const keys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = new x.X509Certificate(ca.cert);
  const subject = [`CN=${cn}`, ...o.map((g) => `O=${g}`)].join(', ');
  const usages = [...(server ? [x.ExtendedKeyUsage.serverAuth] : []), ...(client ? [x.ExtendedKeyUsage.clientAuth] : [])];
  const names = [...dns.map((value) => ({ type: 'dns', value })), ...ips.map((value) => ({ type: 'ip', value }))];
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: await importKey(subtle, ca.key),
    signingAlgorithm: ALG,
    ...validity(days),
    extensions: [
      new x.BasicConstraintsExtension(false, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
      new x.ExtendedKeyUsageExtension(usages, false),
      await x.AuthorityKeyIdentifierExtension.create(caCert, false),
      ...(names.length ? [new x.SubjectAlternativeNameExtension(names, false)] : []),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(subtle, keys.privateKey) };
}

/** kubeadm's CA pin: sha256 of the CA certificate's DER SubjectPublicKeyInfo, as hex. */
export function caHashOf(certPem) {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** Same PEM certificate, whatever the line breaks (compares the DER). */
export function sameCert(a, b) {
  if (!a || !b) return false;
  try {
    return new X509Certificate(a).raw.equals(new X509Certificate(b).raw);
  } catch {
    return false;
  }
}

/**
 * Who a client certificate (PEM or DER) names, if `caPem` issued it and it is valid now:
 * {user, groups}; else {error} (not issued by this CA, expired, or not a certificate).
 */
export function certIdentity(cert, caPem, now = Date.now()) {
  let c;
  let ca;
  try {
    c = new X509Certificate(cert);
    ca = new X509Certificate(caPem);
  } catch {
    return { error: 'not a certificate' };
  }
  if (!c.checkIssued(ca) || !c.verify(ca.publicKey)) return { error: 'x509: certificate signed by unknown authority' };
  if (now < Date.parse(c.validFrom) || now > Date.parse(c.validTo)) return { error: 'x509: certificate has expired or is not yet valid' };
  const fields = c.subject.split('\n');
  const user = fields.find((f) => f.startsWith('CN='))?.slice(3) ?? '';
  const groups = fields.filter((f) => f.startsWith('O=')).map((f) => f.slice(2));
  return { user, groups };
}
