// End to end against a real sshd: atomic SFTP upload with checksum skip, download, and the
// upload/fetch step kinds driven through a minimal StepContext.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import type { Host, Inventory } from '../../../engine/model.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import type { Transport } from '../../../engine/transport/types.js';
import { fetchStep } from '../../../steps/fetch.js';
import type { StepContext } from '../../../engine/step-kind.js';
import { uploadStep } from '../../../steps/upload.js';
import { secretsOf, startBed, testHost, testInventory, type Bed } from '../../helpers/openssh.js';

describe('SSH transport against OpenSSH: files', () => {
  let bed: Bed;
  let transport: Transport;
  let host: Host;
  let inventory: Inventory;
  let remote: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    bed = await startBed('127.0.0.5');
    host = testHost('files-1', bed.sshd);
    inventory = testInventory(bed.dir, [host], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
    transport = createSshTransport(host, inventory, {
      secrets: secretsOf({}),
      acceptNewHostKeys: false,
      inventoryHosts: inventory.hosts,
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
    });
    // The "remote" side is the same machine: a directory the sshd session writes into.
    remote = join(bed.dir, 'remote');
    await mkdir(remote);
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

  it('uploads a new file with its mode, owner and group, leaving no temporary file', async () => {
    const path = join(remote, 'app.conf');
    const r = await transport.upload({ path, content: 'port=80\n', mode: 0o640, owner: 'nobody', group: 'nogroup' });
    expect(r).toEqual({ changed: true, sha256: sha('port=80\n') });
    expect(await readFile(path, 'utf8')).toBe('port=80\n');
    const st = await stat(path);
    expect(st.mode & 0o7777).toBe(0o640);
    const ids = await transport.exec(`stat -c '%U %G' ${path}`);
    expect(ids.stdout.trim()).toBe('nobody nogroup');
    const listing = await transport.exec(`ls -A ${remote}`);
    expect(listing.stdout.trim()).toBe('app.conf');
  });

  it('skips the upload when the remote checksum already matches', async () => {
    const path = join(remote, 'app.conf');
    const inode = (await stat(path)).ino;
    const r = await transport.upload({ path, content: 'port=80\n', mode: 0o640, owner: 'nobody', group: 'nogroup' });
    expect(r).toEqual({ changed: false, sha256: sha('port=80\n') });
    expect((await stat(path)).ino).toBe(inode);
  });

  it('fixes only the mode when the content matches but the mode does not', async () => {
    const path = join(remote, 'app.conf');
    const inode = (await stat(path)).ino;
    const r = await transport.upload({ path, content: 'port=80\n', mode: 0o600 });
    expect(r.changed).toBe(true);
    expect((await stat(path)).mode & 0o7777).toBe(0o600);
    expect((await stat(path)).ino).toBe(inode);
  });

  it('replaces changed content by rename (a new inode), keeping the old mode and owner', async () => {
    const path = join(remote, 'app.conf');
    const inode = (await stat(path)).ino;
    const r = await transport.upload({ path, content: 'port=8080\n' });
    expect(r.changed).toBe(true);
    const st = await stat(path);
    expect(st.ino).not.toBe(inode);
    expect(st.mode & 0o7777).toBe(0o600);
    expect((await transport.exec(`stat -c %U ${path}`)).stdout.trim()).toBe('nobody');
    expect(await readFile(path, 'utf8')).toBe('port=8080\n');
  });

  it('downloads bytes unchanged', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const path = join(remote, 'blob.bin');
    await writeFile(path, bytes);
    expect(Buffer.compare(await transport.download(path), bytes)).toBe(0);
  });

  it('fails a download of a missing file with E_STEP naming host and path', async () => {
    const err = await transport.download(join(remote, 'missing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlayError);
    expect(err).toMatchObject({ code: 'E_STEP', host: 'files-1' });
    expect((err as Error).message).toContain('missing');
  });

  it('fails an upload into a missing directory and leaves nothing behind', async () => {
    const err = await transport
      .upload({ path: join(remote, 'nodir', 'x.conf'), content: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlayError);
    expect(err).toMatchObject({ code: 'E_STEP', host: 'files-1' });
  });

  function stepContext(): StepContext & { secrets: string[] } {
    const secrets: string[] = [];
    const controller = new AbortController();
    return {
      host,
      inventory,
      cluster: inventory.cluster,
      key: 'files/files-1/step',
      attempt: 1,
      keepSsh: false,
      kubeconfigFile: '/nonexistent/test.kubeconfig',
      signal: controller.signal,
      transport,
      transportFor: async () => transport,
      hostsWithRole: () => [],
      outputsOf: () => undefined,
      facts: undefined,
      factsOf: () => undefined,
      exec: (c, o) => transport.exec(c, o),
      run: (c, o) => transport.exec(c, o),
      upload: (o) => transport.upload(o),
      download: (p) => transport.download(p),
      seal: { recordCommandSent: () => undefined, commandSent: () => undefined },
      secret: (v) => secrets.push(v),
      log: () => undefined,
      note: () => undefined,
      secrets,
    };
  }

  it('upload step: uploads a local src file, then its check reports it done', async () => {
    const src = join(bed.dir, 'local.txt');
    await writeFile(src, 'from a local file\n');
    const ctx = stepContext();
    const w = { path: join(remote, 'from-src.txt'), src, mode: '0644' };
    expect(await uploadStep.check?.(ctx, w)).toEqual({ done: false });
    const out = await uploadStep.run(ctx, w);
    expect(out).toEqual({ sha256: sha('from a local file\n'), changed: 'true' });
    expect(await readFile(w.path, 'utf8')).toBe('from a local file\n');
    const checked = await uploadStep.check?.(ctx, w);
    expect(checked?.done).toBe(true);
    expect(checked?.outputs).toEqual({ sha256: sha('from a local file\n'), changed: 'false' });
    expect(await uploadStep.check?.(ctx, { ...w, mode: '0600' })).toEqual({ done: false });
  });

  it('upload step: inline content, unchanged on the second run', async () => {
    const ctx = stepContext();
    const w = { path: join(remote, 'inline.txt'), content: 'inline\n' };
    expect((await uploadStep.run(ctx, w))?.changed).toBe('true');
    expect((await uploadStep.run(ctx, w))?.changed).toBe('false');
  });

  it('fetch step: writes dest 0600 and a secret output, registered as secret', async () => {
    const path = join(remote, 'token');
    await writeFile(path, 'abcd-secret-token');
    const ctx = stepContext();
    const dest = join(bed.dir, 'fetched', 'token');
    const w = { path, dest, output: 'token', secret: true };
    expect(fetchStep.outputs?.(w)).toEqual([
      { name: 'sha256', secret: false },
      { name: 'token', secret: true },
    ]);
    const out = await fetchStep.run(ctx, w);
    expect(out).toEqual({ sha256: sha('abcd-secret-token'), token: 'abcd-secret-token' });
    expect(ctx.secrets).toEqual(['abcd-secret-token']);
    expect(await readFile(dest, 'utf8')).toBe('abcd-secret-token');
    expect((await stat(dest)).mode & 0o777).toBe(0o600);
  });
});
