// copy-policy: the master's policy files, keys and hosts line land byte-identical on the node,
// checksums are compared afterwards, and an identical node is left alone.
import { describe, expect, it } from 'vitest';
import { copyPolicyStep } from '../../steps/copy-policy.js';
import { fakeWorld, haInventory, type FakeWorld } from './fake-context.js';

const HOSTS_LINE = '10.0.1.1 registry.local sigstore.local trivy.local';

function withMaster(w: FakeWorld): void {
  w.on('cp-1')
    .write('/etc/containers/policy.json', '{"default":[{"type":"reject"}]}\n')
    .write('/etc/containers/registries.d/default.yaml', 'default-docker:\n  lookaside: http://sigstore.local:81/sigstore/\n')
    .write('/var/sigstore/keys/imagemaker.pgp', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n')
    .write('/etc/hosts', `127.0.0.1 localhost\n${HOSTS_LINE}\n`)
    .on('ls -1 /var/sigstore/keys', { stdout: 'imagemaker.pgp\npolicy.json\n' });
}

/** The node's `cat > /etc/hosts` writes the in-memory file. */
function writableHosts(w: FakeWorld, name: string): void {
  w.on(name).on('cat > /etc/hosts', (_c, o) => {
    w.on(name).write('/etc/hosts', Buffer.from(o.stdin ?? ''));
    return { exitCode: 0 };
  });
}

describe('copy-policy', () => {
  it('copies policy.json, default.yaml and every key, and puts the registry line into /etc/hosts', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    withMaster(w);
    w.self.write('/etc/hosts', '127.0.0.1 localhost\n10.9.9.9 registry.local\n');
    writableHosts(w, 'worker-1');
    const out = await copyPolicyStep.run(w.ctx, {});
    for (const p of ['/etc/containers/policy.json', '/etc/containers/registries.d/default.yaml', '/var/sigstore/keys/imagemaker.pgp']) {
      expect(w.self.files.get(p)?.equals(w.on('cp-1').files.get(p)!)).toBe(true);
    }
    expect(w.self.files.has('/var/sigstore/keys/policy.json')).toBe(false);
    expect(w.self.files.get('/etc/hosts')!.toString()).toBe(`127.0.0.1 localhost\n${HOSTS_LINE}\n`);
    expect(out!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(w.calls.filter((c) => c.host === 'worker-1' && c.command.startsWith('<upload')).map((c) => c.command)).toEqual([
      '<upload /etc/containers/policy.json mode 644>',
      '<upload /etc/containers/registries.d/default.yaml mode 644>',
      '<upload /var/sigstore/keys/imagemaker.pgp mode 644>',
    ]);
  });

  it('is done when the node already holds identical files and the line; not when one byte differs', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    withMaster(w);
    writableHosts(w, 'worker-1');
    w.self.write('/etc/hosts', '127.0.0.1 localhost\n');
    await copyPolicyStep.run(w.ctx, {});
    expect(await copyPolicyStep.check!(w.ctx, {})).toMatchObject({ done: true });
    w.self.write('/etc/containers/policy.json', '{"default":[{"type":"insecureAcceptAnything"}]}\n');
    expect(await copyPolicyStep.check!(w.ctx, {})).toEqual({ done: false });
  });

  it('fails when the checksums still differ after copying', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    withMaster(w);
    writableHosts(w, 'worker-1');
    w.self.upload = async (o) => {
      w.self.files.set(o.path, Buffer.from('corrupted'));
      return { changed: true, sha256: '' };
    };
    await expect(copyPolicyStep.run(w.ctx, {})).rejects.toThrow(/differ from cp-1: \/etc\/containers\/policy\.json/);
  });

  it('says what is missing when the master has no secure mode yet', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    await expect(copyPolicyStep.run(w.ctx, {})).rejects.toThrow(/cp-1 has no \/etc\/containers\/policy\.json/);
  });
});
