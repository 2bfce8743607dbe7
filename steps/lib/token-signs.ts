// kubeadm's check that a bootstrap token is live: it signs kube-public/cluster-info (JWS,
// HS256). Plain crypto, apart from kube-api-client.ts so that checking given join material does
// not load the Kubernetes client library.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ClusterInfo } from './kube-api-client.js';

/** Does `info` carry a valid signature for `token` (kubeadm's check that the token is live)? */
export function tokenSigns(info: ClusterInfo, token: string): boolean {
  const [id, secret] = token.split('.');
  const jws = id ? info.signatures[id] : undefined;
  if (!jws || !secret) return false;
  const [header, payload, signature] = jws.split('.');
  if (header === undefined || payload !== '' || signature === undefined) return false;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    return false;
  }
  if (alg !== 'HS256') return false;
  const expected = createHmac('sha256', secret).update(`${header}.${Buffer.from(info.kubeconfig).toString('base64url')}`).digest();
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
