// ~/.ssh/config parsing: first value wins, wildcards and negation, IdentityFile accumulates,
// tokens, ProxyJump, Match blocks skipped, Include followed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSshConfig, lookupSshConfig, parseSshConfig, tokenizeLine } from '../../../engine/transport/ssh/ssh-config.js';

describe('ssh config', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it.each([
    ['Host a b', ['Host', 'a', 'b']],
    ['  HostName=10.0.0.1', ['HostName', '10.0.0.1']],
    ['Port = 2222', ['Port', '2222']],
    ['IdentityFile "~/my keys/id"', ['IdentityFile', '~/my keys/id']],
    ['# a comment', []],
    ['', []],
  ])('tokenizes %j', (line, tokens) => {
    expect(tokenizeLine(line)).toEqual(tokens);
  });

  const config = parseSshConfig(
    [
      'Host bastion',
      '  HostName 192.0.2.10',
      '  User jump',
      '',
      'Host web-* !web-secret',
      '  HostName %h.internal',
      '  Port 2201',
      '  IdentityFile ~/.ssh/web_%r',
      '  ProxyJump bastion',
      '',
      'Match host web-1',
      '  Port 9999',
      '',
      'Host web-1',
      '  Port 2202',
      '  User deploy',
      '  IdentityFile /keys/web1',
      '',
      'Host direct',
      '  ProxyJump none',
      '',
      'Host *',
      '  User fallback',
      '  ProxyJump a@x:1, y',
    ].join('\n'),
  );

  it('applies matching blocks in order, the first value winning', () => {
    expect(lookupSshConfig(config, 'web-1')).toEqual({
      hostName: 'web-1.internal',
      port: 2201,
      user: 'deploy',
      identityFiles: [join(homedir(), '.ssh/web_deploy'), '/keys/web1'],
      proxyJump: ['bastion'],
    });
  });

  it('lets a negated pattern veto a block', () => {
    const r = lookupSshConfig(config, 'web-secret');
    expect(r.hostName).toBeUndefined();
    expect(r.user).toBe('fallback');
    expect(r.proxyJump).toEqual(['a@x:1', 'y']);
  });

  it('reads ProxyJump none as no jump host', () => {
    expect(lookupSshConfig(config, 'direct').proxyJump).toEqual([]);
  });

  it('gives nothing but the catch-all for an unknown host, and no HostName', () => {
    expect(lookupSshConfig(config, 'other')).toEqual({ identityFiles: [], user: 'fallback', proxyJump: ['a@x:1', 'y'] });
  });

  it('follows Include (relative to the including file, globs allowed), also inside a Host block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podsec-sshcfg-'));
    dirs.push(dir);
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'conf.d', '10-a.conf'), 'Host inc-a\n  Port 1001\n');
    await writeFile(join(dir, 'conf.d', '20-b.conf'), 'Host inc-b\n  Port 1002\n');
    await writeFile(join(dir, 'conf.d', 'ignored.txt'), 'Host inc-a\n  Port 7\n');
    await writeFile(join(dir, 'only-c'), 'User from-include\n');
    await writeFile(join(dir, 'config'), 'Include conf.d/*.conf\nHost inc-c\n  Include only-c\n');
    const loaded = loadSshConfig(join(dir, 'config'));
    expect(lookupSshConfig(loaded, 'inc-a').port).toBe(1001);
    expect(lookupSshConfig(loaded, 'inc-b').port).toBe(1002);
    expect(lookupSshConfig(loaded, 'inc-c').user).toBe('from-include');
    expect(lookupSshConfig(loaded, 'inc-a').user).toBeUndefined();
  });

  it('treats a missing file as an empty config', () => {
    expect(loadSshConfig('/nonexistent/ssh_config').items).toEqual([]);
  });
});
