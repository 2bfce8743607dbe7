// `ssh -G` for many hosts at once: prefetches asked in the same turn of the event loop are
// answered by one child, with exactly what the blocking lookup gives, and a name ssh fails on
// is left to the blocking lookup (which reports ssh's own error). Needs the OpenSSH client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSshClient, opensshLookup } from '../../../engine/transport/ssh/openssh-config.js';

describe('ssh -G batched prefetch', () => {
  let dir: string;
  let config: string;
  let ssh: string;

  beforeAll(() => {
    const found = findSshClient();
    expect(found, 'the OpenSSH client (ssh) must be installed: apt-get install openssh-client').toBeDefined();
    ssh = found!;
    dir = mkdtempSync(join(tmpdir(), 'podsec-play-sshg-batch-'));
    config = join(dir, 'config');
    writeFileSync(config, 'Host n*\n  User admin\nHost n2\n  Port 2202\n  HostName 10.9.9.2\n');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every prefetched name as the blocking lookup would, from what it fetched', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const given = (n: string) => (n === 'n7' ? { port: 2207 } : {});
    const plain = opensshLookup(ssh, config);
    const expected = names.map((n) => plain(n, given(n)));
    const batched = opensshLookup(ssh, config);
    await Promise.all(names.map((n) => batched.prefetch!(n, given(n))));
    // Changed after the prefetch: answers that come from it still show the old settings.
    writeFileSync(config, 'Host *\n  User other\n');
    expect(names.map((n) => batched(n, given(n)))).toEqual(expected);
    expect(batched('n2')).toMatchObject({ hostName: '10.9.9.2', port: 2202, user: 'admin' });
    expect(opensshLookup(ssh, config)('n2')).toMatchObject({ user: 'other' });
  });

  it('leaves a name ssh fails on to the blocking lookup, which reports the error', async () => {
    const batched = opensshLookup(ssh, join(dir, 'broken'));
    writeFileSync(join(dir, 'broken'), 'Host *\n  NoSuchKeyword yes\n');
    await batched.prefetch!('any');
    expect(() => batched('any')).toThrow(/ssh -G any: cannot read the SSH settings for any/);
  });
});
