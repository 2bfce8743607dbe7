// Join material parsing: only real tokens, CA hashes and certificate keys are taken.
import { describe, expect, it } from 'vitest';
import {
  findSecretLike,
  isToken,
  normalizeCaHash,
  parseCertificateKey,
  parseJoinCommand,
} from '../../steps/lib/join-line.js';
import { tokenListed } from '../../steps/lib/kubeadm.js';
import { CA_HEX, CERT_KEY, TOKEN, joinOutput } from './fake-context.js';

describe('parseJoinCommand', () => {
  it('takes the control-plane line (with its certificate key) from kubeadm init output', () => {
    expect(parseJoinCommand(joinOutput({ endpoint: '10.0.3.100:8443' }))).toEqual({
      endpoint: '10.0.3.100:8443',
      token: TOKEN,
      caCertHash: `sha256:${CA_HEX}`,
      certificateKey: CERT_KEY,
    });
  });

  it('reads the one-line output of kubeadm token create --print-join-command', () => {
    const out = `kubeadm join 10.0.1.1:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX} \n`;
    expect(parseJoinCommand(out)).toEqual({ endpoint: '10.0.1.1:6443', token: TOKEN, caCertHash: `sha256:${CA_HEX}` });
  });

  it.each([
    ['no join line', 'Your Kubernetes control-plane has initialized successfully!'],
    ['a malformed token', `kubeadm join 10.0.1.1:6443 --token ABCDEF.0123456789abcdef --discovery-token-ca-cert-hash sha256:${CA_HEX}`],
    ['a short token', `kubeadm join 10.0.1.1:6443 --token abc.0123 --discovery-token-ca-cert-hash sha256:${CA_HEX}`],
    ['a short hash', `kubeadm join 10.0.1.1:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:abcd`],
    ['no endpoint', `kubeadm join --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX}`],
  ])('returns undefined for %s', (_what, text) => {
    expect(parseJoinCommand(text)).toBeUndefined();
  });

  it('drops a certificate key that is not 64 hex digits', () => {
    const out = `kubeadm join e:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX} --control-plane --certificate-key xyz`;
    expect(parseJoinCommand(out)?.certificateKey).toBeUndefined();
  });
});

describe('small parsers', () => {
  it('parseCertificateKey takes the last line of upload-certs output', () => {
    const out = `[upload-certs] Storing the certificates in Secret "kubeadm-certs"\n[upload-certs] Using certificate key:\n${CERT_KEY}\n`;
    expect(parseCertificateKey(out)).toBe(CERT_KEY);
    expect(parseCertificateKey('[upload-certs] failed\n')).toBeUndefined();
  });

  it('isToken and normalizeCaHash follow kubeadm formats', () => {
    expect(isToken(TOKEN)).toBe(true);
    expect(isToken(`${TOKEN}x`)).toBe(false);
    expect(normalizeCaHash(CA_HEX)).toBe(`sha256:${CA_HEX}`);
    expect(normalizeCaHash(`sha256:${CA_HEX}`)).toBe(`sha256:${CA_HEX}`);
    expect(normalizeCaHash('sha256:xyz')).toBeUndefined();
  });

  it('findSecretLike finds every token, key and hash in kubeadm output', () => {
    expect(new Set(findSecretLike(joinOutput({ endpoint: 'e:1' })))).toEqual(new Set([TOKEN, CERT_KEY, CA_HEX]));
    expect(findSecretLike('[init] Using Kubernetes version: v1.28.3')).toEqual([]);
  });

  it('tokenListed reads kubeadm token list, expired (<invalid>) counts as gone', () => {
    const table = [
      'TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS',
      `${TOKEN}   59m         2026-11-26T16:00:00Z   authentication,signing   <none>        system:bootstrappers:kubeadm:default-node-token`,
      'zzzzzz.zzzzzzzzzzzzzzzz   <invalid>   2026-11-26T12:00:00Z   authentication,signing   <none>        x',
    ].join('\n');
    expect(tokenListed(table, TOKEN)).toBe(true);
    expect(tokenListed(table, 'zzzzzz.zzzzzzzzzzzzzzzz')).toBe(false);
    expect(tokenListed(table, 'yyyyyy.yyyyyyyyyyyyyyyy')).toBe(false);
    expect(tokenListed('', TOKEN)).toBeUndefined();
  });
});
