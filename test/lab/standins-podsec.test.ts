import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { PASSPHRASE, PASSWORD, SIGNER, imagemakerAnswers, secureMaster, expectOk, writeFile } from './podsec-flow.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(workers = 0) {
  const lab = await freshLab({ workers });
  cleanups.push(() => lab.cleanup());
  const master = await connectNode(lab, 'cp-1');
  cleanups.push(() => master.end());
  // the master's address: host .1 of the lab's own /24
  return { lab, master, ip: `${lab.subnet}.1`, file: (p: string, node = 'cp-1') => readFileSync(join(lab.dir, 'nodes', node, p), 'utf8') };
}

describe('podsec-create-policy', () => {
  test('writes the policy, the registry line and groups; a second run exits 1 (not re-runnable)', async () => {
    const { lab, master, file, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'first run');
    expect(file('etc/hosts')).toContain(`${ip}\tregistry.local sigstore.local trivy.local\n`);
    expect(JSON.parse(file('etc/containers/policy.json')).default).toEqual([{ type: 'reject' }]);
    expect(file('etc/containers/registries.d/default.yaml')).toContain('lookaside: http://sigstore.local:81/sigstore/');
    expect(file('etc/containers/registries.conf')).toMatch(/location = "registry.local"\ninsecure = true/);
    expect(file('etc/group')).toMatch(/^podman:/m);
    expect(file('etc/group')).toMatch(/^podman_dev:/m);
    const again = await master.exec(`podsec-create-policy ${ip}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already names registry.local');
    expect(file('etc/hosts').match(/registry\.local/g)).toHaveLength(1);
    expect(actions(lab, 'cp-1').map((a) => [a.event, a.exit])).toEqual([
      ['policy-created', 0],
      [undefined, 1],
    ]);
  });

  test('any one of the names already in /etc/hosts is enough to refuse', async () => {
    const { master, ip } = await setup();
    await writeFile(master, '/etc/hosts', '127.0.0.1 localhost\n10.0.0.9 trivy.local\n');
    expect((await master.exec(`podsec-create-policy ${ip}`)).code).toBe(1);
  });

  test.each([['127.0.0.1'], ['not-an-ip'], ['300.1.1.1']])('refuses the registry address %s', async (ip) => {
    const { master } = await setup();
    expect((await master.exec(`podsec-create-policy ${ip}`)).code).toBe(1);
  });
});

describe('podsec-create-services', () => {
  test('refuses unless /etc/hosts binds registry.local to this node', async () => {
    const { lab, master, ip } = await setup(1);
    expect((await master.exec('podsec-create-services')).stderr).toContain('registry.local is not in /etc/hosts');
    const worker = await connectNode(lab, 'worker-1');
    cleanups.push(() => worker.end());
    expectOk(await worker.exec(`podsec-create-policy ${ip}`), 'policy on worker');
    const r = await worker.exec('podsec-create-services');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not an address of this host');
  });

  test('starts nginx, docker-registry and trivy on the registry host', async () => {
    const { master, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip} && podsec-create-services`), 'services');
    expect((await master.exec('systemctl is-active nginx docker-registry trivy')).stdout).toBe('active\nactive\nactive\n');
    expect((await master.exec('curl -s http://sigstore.local:81/')).stdout).toContain('SigStore works!');
    expect((await master.exec('curl -s http://registry.local/v2/')).stdout).toBe('{}');
  });
});

describe('podsec-create-imagemakeruser', () => {
  test('asks the password and the gpg2 questions on the terminal, exports the key and adds a signedBy rule', async () => {
    const { lab, master, file, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip} && podsec-create-services`), 'policy');
    const r = await master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() });
    expectOk(r, 'imagemakeruser');
    for (const prompt of ['New password: ', 'Retype new password: ', 'Your selection? ', 'Real name: ', 'Email address: ', 'Comment: ', 'Passphrase: ']) {
      expect(r.stdout).toContain(prompt);
    }
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).not.toContain(PASSPHRASE);
    const policy = JSON.parse(file('etc/containers/policy.json'));
    expect(policy.transports.docker['registry.local']).toEqual([{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/var/sigstore/keys/imagemaker.pgp' }]);
    expect(file('var/sigstore/keys/policy.json')).toBe(file('etc/containers/policy.json'));
    expect(file('var/sigstore/keys/imagemaker.pgp')).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect((await master.exec('id -nG imagemaker')).stdout).toContain('podman_dev');
    expect(file('etc/shadow')).not.toContain(PASSWORD);
    const keyring = readFileSync(join(lab.dir, 'nodes/cp-1/home/imagemaker/.gnupg/lab-keyring.json'), 'utf8');
    expect(keyring).not.toContain(PASSPHRASE);
    const log = actions(lab, 'cp-1');
    expect(log.map((a) => a.argv[0]).filter((p) => p !== 'id')).toEqual(['podsec-create-policy', 'podsec-create-services', 'passwd', 'gpg2', 'podsec-create-imagemakeruser']);
    expect(log.find((a) => a.argv[0] === 'gpg2')?.user).toBe('imagemaker');
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });

  test('without a terminal passwd fails, like the real one', async () => {
    const { master, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'policy');
    const r = await master.exec('podsec-create-imagemakeruser', { stdin: `${PASSWORD}\n${PASSWORD}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Authentication token manipulation error');
  });

  test('passwords that do not match are asked again, three times at most', async () => {
    const { master, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'policy');
    const r = await master.exec('podsec-create-imagemakeruser', {
      pty: true,
      answers: [
        [/New password: $/, 'one'],
        [/Retype new password: $/, 'two'],
      ],
    });
    expect(r.code).toBe(1);
    expect(r.stdout.match(/Sorry, passwords do not match\./g)).toHaveLength(3);
  });
});

describe('podsec-load-sign-oci', () => {
  async function prepared() {
    const s = await setup();
    expectOk(await s.master.exec(`podsec-create-policy ${s.ip} && podsec-create-services`), 'services');
    expectOk(await s.master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() }), 'imagemaker');
    expectOk(await s.master.exec('echo archive > /tmp/k8s.tar.xz'), 'archive');
    return s;
  }
  const asImagemaker = (m: NodeSession, cmd: string, answers: [RegExp, string][] = [[/Passphrase: $/, PASSPHRASE]]) =>
    m.exec(`su - imagemaker -c ${JSON.stringify(cmd)}`, { pty: true, answers });

  test('refuses root (not in podman_dev)', async () => {
    const { master } = await prepared();
    const r = await master.exec(`podsec-load-sign-oci /tmp/k8s.tar.xz amd64 ${SIGNER}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not in the podman_dev group');
  });

  test('as the image maker, asks the GPG passphrase, signs and pushes the images', async () => {
    const { lab, master } = await prepared();
    const r = await asImagemaker(master, `podsec-load-sign-oci /tmp/k8s.tar.xz amd64 ${SIGNER}`);
    expectOk(r, 'load-sign-oci');
    expect(r.stdout).toContain('Passphrase: ');
    expect(readdirSync(join(lab.dir, 'nodes/cp-1/var/sigstore/sigstore/k8s-p10')).length).toBeGreaterThan(5);
    expect((await master.exec('curl -s http://registry.local/v2/_catalog')).stdout).toContain('k8s-p10/kube-apiserver');
    const line = actions(lab, 'cp-1').find((a) => a.argv[0] === 'podsec-load-sign-oci');
    expect(line).toMatchObject({ user: 'imagemaker', event: 'images-signed', exit: 0 });
  });

  test('a wrong passphrase fails after three tries; an unknown signer has no secret key', async () => {
    const { master } = await prepared();
    const wrong = await asImagemaker(master, `podsec-load-sign-oci /tmp/k8s.tar.xz amd64 ${SIGNER}`, [[/Passphrase: $/, 'wrong']]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('Bad Passphrase (try 3 of 3)');
    const nobody = await asImagemaker(master, 'podsec-load-sign-oci /tmp/k8s.tar.xz amd64 nobody@lab.local');
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toContain('No secret key');
  });

  test('asks Continue (y/N)? when the archive declares another platform; anything but y stops', async () => {
    const { master } = await prepared();
    expectOk(await master.exec('echo "# lab-oci-archive arch=arm64" > /tmp/arm.tar.xz'), 'archive');
    const no = await asImagemaker(master, `podsec-load-sign-oci /tmp/arm.tar.xz amd64 ${SIGNER}`, [[/Continue \(y\/N\)\? $/, 'n']]);
    expect(no.code).toBe(1);
    const yes = await asImagemaker(master, `podsec-load-sign-oci /tmp/arm.tar.xz amd64 ${SIGNER}`, [
      [/Continue \(y\/N\)\? $/, 'y'],
      [/Passphrase: $/, PASSPHRASE],
    ]);
    expectOk(yes, 'continue');
  });

  test('usage errors: missing archive, unknown architecture, registry without a dot', async () => {
    const { master } = await prepared();
    expect((await asImagemaker(master, `podsec-load-sign-oci /tmp/none.tar.xz amd64 ${SIGNER}`)).code).toBe(1);
    expect((await asImagemaker(master, `podsec-load-sign-oci /tmp/k8s.tar.xz sparc ${SIGNER}`)).code).toBe(3);
    expect((await asImagemaker(master, `podsec-load-sign-oci /tmp/k8s.tar.xz amd64 ${SIGNER} localregistry/k8s`)).code).toBe(5);
  });
});

describe('secure mode on the master, as a whole', () => {
  test('the sequence runs and a worker can fetch the policy and keys with podsec-create-policy', async () => {
    const { lab, master, file, ip } = await setup(1);
    await secureMaster(master, ip);
    const worker = await connectNode(lab, 'worker-1');
    cleanups.push(() => worker.end());
    expectOk(await worker.exec(`podsec-create-policy ${ip}`), 'fetch');
    expect(file('etc/containers/policy.json', 'worker-1')).toBe(file('etc/containers/policy.json'));
    expect(file('var/sigstore/keys/imagemaker.pgp', 'worker-1')).toBe(file('var/sigstore/keys/imagemaker.pgp'));
  });
});
