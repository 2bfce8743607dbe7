// known_hosts parsing, matching (plain, [host]:port, wildcards, negation, hashed) and the
// verdicts that decide whether a host may be reached. Vectors come from OpenSSH 9.2.
import { describe, expect, it } from 'vitest';
import {
  entriesNaming,
  entryMatchesHost,
  fingerprintSha256,
  hashHostName,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../../engine/transport/ssh/known-hosts.js';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIMlxZuGk61whnNc9FwvpF1jhtSu4m5ZMkOrmkaiTG0mR';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIPf0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
// `ssh-keygen -H` of "[127.0.0.1]:2222 ssh-ed25519 KEY"
const HASHED = '|1|WnKV1im96nDIF8lVlMs/z6NqwNk=|mEjY1iyYUxgsPOUwEWC2cBW4/OI=';

describe('known_hosts', () => {
  it('parses entries, markers and line numbers, skipping comments and junk', () => {
    const entries = parseKnownHosts(
      ['# comment', '', `a.example,10.0.0.1 ssh-ed25519 ${KEY} comment here`, '@revoked * ssh-rsa AAAA', '@bogus x y z', 'short-line'].join('\n'),
    );
    expect(entries).toEqual([
      { marker: undefined, hosts: 'a.example,10.0.0.1', keyType: 'ssh-ed25519', keyBase64: KEY, line: 3 },
      { marker: 'revoked', hosts: '*', keyType: 'ssh-rsa', keyBase64: 'AAAA', line: 4 },
    ]);
  });

  it.each([
    [22, 'node1'],
    [2222, '[node1]:2222'],
  ])('records port %i as %s', (port, name) => {
    expect(knownHostName('node1', port)).toBe(name);
  });

  it.each([
    ['node1', 'node1', true],
    ['NODE1', 'node1', true],
    ['node1', '[node1]:2222', false],
    ['[node1]:2222', '[node1]:2222', true],
    ['*.lab,!bad.lab', 'good.lab', true],
    ['*.lab,!bad.lab', 'bad.lab', false],
    ['10.0.0.?', '10.0.0.7', true],
    ['10.0.0.?', '10.0.0.17', false],
    [HASHED, '[127.0.0.1]:2222', true],
    [HASHED, '[127.0.0.1]:2223', false],
    [HASHED, '127.0.0.1', false],
  ])('host field %s matches %s: %s', (field, name, expected) => {
    expect(entryMatchesHost(field, name)).toBe(expected);
  });

  it('hashes names the way ssh-keygen -H does', () => {
    const salt = Buffer.from('WnKV1im96nDIF8lVlMs/z6NqwNk=', 'base64');
    expect(hashHostName('[127.0.0.1]:2222', salt)).toBe(HASHED);
    expect(entryMatchesHost(hashHostName('n1'), 'n1')).toBe(true);
  });

  it('computes the SHA256 fingerprint ssh-keygen -l prints', () => {
    expect(fingerprintSha256(Buffer.from(KEY, 'base64'))).toBe('SHA256:7qtpLqXHgO8OQ4870CWunkgtai2otrPY4h80NogmJU8');
  });

  describe('verdicts', () => {
    const entries = parseKnownHosts(
      [
        `${HASHED} ssh-ed25519 ${KEY}`,
        `changed.lab ssh-ed25519 ${OTHER}`,
        `rsa-only.lab ssh-rsa AAAAB3NzaC1yc2E`,
        `@cert-authority *.lab ssh-ed25519 ${KEY}`,
        `@revoked * ssh-ed25519 ${OTHER}`,
      ].join('\n'),
    );

    it('knows a recorded key (hashed entry)', () => {
      expect(verifyHostKey(entries, '[127.0.0.1]:2222', 'ssh-ed25519', KEY)).toEqual({ status: 'known' });
    });

    it('does not know a host that has no entry (a CA line is not a host key)', () => {
      expect(verifyHostKey(entries, 'new.lab', 'ssh-ed25519', KEY)).toEqual({ status: 'unknown' });
    });

    it('calls a different key for a recorded host changed, naming the line', () => {
      expect(verifyHostKey(entries, '[127.0.0.1]:2222', 'ssh-ed25519', 'AAAAnew')).toEqual({
        status: 'changed',
        line: 1,
        knownType: 'ssh-ed25519',
      });
    });

    it('calls a key of an unrecorded type changed too', () => {
      expect(verifyHostKey(entries, 'rsa-only.lab', 'ssh-ed25519', KEY)).toMatchObject({ status: 'changed', knownType: 'ssh-rsa' });
    });

    it('refuses a revoked key before anything else', () => {
      expect(verifyHostKey(entries, 'changed.lab', 'ssh-ed25519', OTHER)).toEqual({ status: 'revoked', line: 5 });
    });

    it('lists the key types recorded for a host', () => {
      expect(knownKeyTypes(entries, 'rsa-only.lab')).toEqual(['ssh-rsa']);
      expect(knownKeyTypes(entries, 'nothing.lab')).toEqual([]);
    });
  });

  it('finds the entries naming a host through its index exactly as a scan of every entry does, in file order', () => {
    const text = [
      `web-1,Web-2 ssh-ed25519 ${KEY}`,
      `*.lab ssh-ed25519 ${OTHER}`,
      `${HASHED} ssh-ed25519 ${KEY}`,
      `web-2 ssh-rsa ${OTHER}`,
      `!web-1,web-? ssh-ed25519 ${OTHER}`,
      `[127.0.0.1]:2222 ssh-ed25519 ${OTHER}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    for (const name of ['web-1', 'WEB-2', 'web-3', 'a.lab', '[127.0.0.1]:2222', 'nowhere']) {
      const scanned = entries.filter((e) => entryMatchesHost(e.hosts, name));
      expect(entriesNaming(entries, name), name).toEqual(scanned);
    }
    expect(entriesNaming(entries, 'web-2').map((e) => e.line)).toEqual([1, 4, 5]);
  });
});
