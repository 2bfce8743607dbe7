// The podsec stand-ins against what podsec's scripts do (alt-cloud/podsec commit 5014172):
// podsec-create-policy, -services, -imagemakeruser, -load-sign-oci, in English and Russian.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { ARCHIVE, PASSPHRASE, PASSWORD, SIGNER, imagemakerAnswers, makeArchive, secureMaster, expectOk, writeFile } from './podsec-flow.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(workers = 0) {
  const lab = await freshLab({ workers });
  cleanups.push(() => lab.cleanup());
  const master = await connectNode(lab, 'cp-1');
  cleanups.push(() => master.end());
  const node = async (name: string) => {
    const s = await connectNode(lab, name);
    cleanups.push(() => s.end());
    return s;
  };
  // the master's address: host .1 of the lab's own /24
  return { lab, master, node, ip: `${lab.subnet}.1`, file: (p: string, n = 'cp-1') => readFileSync(join(lab.dir, 'nodes', n, p), 'utf8') };
}

describe('podsec-create-policy', () => {
  test('groups, userns sysctl, uid maps, the registry line, policy, registry.local insecure; a second run exits 1 (not re-runnable)', async () => {
    const { lab, master, file, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'first run');
    expect(file('etc/hosts')).toContain(`${ip} registry.local sigstore.local trivy.local\n`);
    expect(JSON.parse(file('etc/containers/policy.json'))).toEqual({ default: [{ type: 'reject' }], transports: { docker: {} } });
    expect(file('etc/containers/registries.d/default.yaml')).toContain('lookaside: http://sigstore.local:81/sigstore/');
    expect(file('etc/containers/registries.conf')).toMatch(/location = "registry.local"\ninsecure = true/);
    expect(file('etc/sysctl.d/99-podman.conf')).toBe('kernel.unprivileged_userns_clone=1\n');
    expect(JSON.parse(file('var/lib/lab/control.json'))).toEqual({ newgidmap: 'podmanonly', newuidmap: 'podmanonly' });
    expect(file('etc/group')).toMatch(/^podman:/m);
    expect(file('etc/group')).toMatch(/^podman_dev:/m);
    const again = await master.exec(`podsec-create-policy ${ip}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Domains registry.local sigstore.local trivy.local are already bound to IP address ${ip}`);
    expect(file('etc/hosts').match(/registry\.local/g)).toHaveLength(1);
    expect(actions(lab, 'cp-1').map((a) => [a.event, a.exit])).toEqual([
      ['policy-created', 0],
      [undefined, 1],
    ]);
  });

  test('it greps /etc/hosts for the IP only: the names bound to another address do not stop it', async () => {
    const { master, file, ip } = await setup();
    await writeFile(master, '/etc/hosts', `127.0.0.1 localhost\n10.0.0.9 trivy.local\n${ip} cp-1 registry.local\n`);
    expect((await master.exec(`podsec-create-policy ${ip}`)).code).toBe(1);
    await writeFile(master, '/etc/hosts', '127.0.0.1 localhost\n10.0.0.9 trivy.local\n');
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'another address');
    expect(file('etc/hosts')).toBe(`127.0.0.1 localhost\n10.0.0.9 trivy.local\n${ip} registry.local sigstore.local trivy.local\n`);
  });

  test.each([
    ['127.0.0.1', 1],
    ['not-an-ip', 2],
    // the script's octet check reads an unset variable: any four dot-separated words pass
    ['300.1.1.1', 0],
  ])('the registry address %s: exit %i', async (address, code) => {
    const { master } = await setup();
    expect((await master.exec(`podsec-create-policy ${address}`)).code).toBe(code);
  });

  test('on another node it fetches the policy and keys from sigstore.local:81; without the server the policy is missing', async () => {
    const { master, node, file, lab, ip } = await setup(2);
    const early = await node('worker-2');
    expectOk(await early.exec(`podsec-create-policy ${ip}`), 'before the master serves anything');
    expect(existsSync(join(lab.dir, 'nodes/worker-2/etc/containers/policy.json'))).toBe(false);
    expect(file('etc/containers/registries.conf', 'worker-2')).toContain('location = "registry.local"');
    await secureMaster(master, ip);
    const worker = await node('worker-1');
    expectOk(await worker.exec(`podsec-create-policy ${ip}`), 'fetch');
    expect(file('etc/containers/policy.json', 'worker-1')).toBe(file('etc/containers/policy.json'));
    expect(file('var/sigstore/keys/imagemaker.pgp', 'worker-1')).toBe(file('var/sigstore/keys/imagemaker.pgp'));
    expect(actions(lab, 'worker-1').find((a) => a.event === 'policy-created')).toMatchObject({ registryHost: false, fetchedFrom: 'cp-1' });
  });
});

describe('podsec-create-services', () => {
  test('refuses unless /etc/hosts binds registry.local to this node', async () => {
    const { master, node, ip } = await setup(1);
    expect((await master.exec('podsec-create-services')).stderr).toContain('registry.local is not in /etc/hosts');
    const worker = await node('worker-1');
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
  test('passwd, then gpg2 under su - with pinentry\'s dialog; exports the key and adds a signedBy rule', async () => {
    const { lab, master, file, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip} && podsec-create-services`), 'policy');
    const r = await master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() });
    expectOk(r, 'imagemakeruser');
    for (const prompt of ['Enter new password: ', 'Re-type new password: ', 'Your selection? ', 'Real name: ', 'Email address: ', 'Comment: ']) {
      expect(r.stdout).toContain(prompt);
    }
    // pinentry-curses: the alternate screen, a box in line-drawing characters, the entry field
    expect(r.stdout).toContain('\u001b[?1049h');
    expect(r.stdout).toContain('Please enter the passphrase to');
    expect(r.stdout).toMatch(/Passphrase: _{8,}/);
    expect(r.stdout).not.toMatch(/Passphrase: \r?$/m);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).not.toContain(PASSPHRASE);
    const policy = JSON.parse(file('etc/containers/policy.json'));
    expect(policy.transports.docker['registry.local']).toEqual([{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/var/sigstore/keys/imagemaker.pgp' }]);
    expect(file('var/sigstore/keys/policy.json')).toBe(file('etc/containers/policy.json'));
    expect(file('var/sigstore/keys/imagemaker.pgp')).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect((await master.exec('id -nG imagemaker')).stdout).toBe('podman podman_dev\n');
    expect(file('etc/shadow')).not.toContain(PASSWORD);
    const keyring = readFileSync(join(lab.dir, 'nodes/cp-1/home/imagemaker/.gnupg/lab-keyring.json'), 'utf8');
    expect(keyring).not.toContain(PASSPHRASE);
    const log = actions(lab, 'cp-1');
    expect(log.map((a) => a.argv[0]).filter((p) => p !== 'id')).toEqual(['podsec-create-policy', 'podsec-create-services', 'passwd', 'gpg2', 'su', 'podsec-create-imagemakeruser']);
    expect(log.find((a) => a.argv[0] === 'gpg2')?.user).toBe('imagemaker');
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });

  test('only on the registry host, only after podsec-create-policy', async () => {
    const { master, node, ip } = await setup(1);
    const none = await master.exec('podsec-create-imagemakeruser');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Domains registry.local sigstore.local are not specified in the /etc/hosts file.');
    const worker = await node('worker-1');
    expectOk(await worker.exec(`podsec-create-policy ${ip}`), 'policy on worker');
    const remote = await worker.exec('podsec-create-imagemakeruser');
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain(`bound to a remote server with ip ${ip}`);
  });

  test('without a terminal passwd fails, like the real one (and then no key is generated)', async () => {
    const { master, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip}`), 'policy');
    const r = await master.exec('podsec-create-imagemakeruser', { stdin: `${PASSWORD}\n${PASSWORD}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Authentication token manipulation error');
    expect(r.stderr).toContain('Public key not found');
  });

  test('passwd (pam_passwdqc): passwords that do not match are asked again, three times at most', async () => {
    const { master, ip } = await setup();
    expectOk(await master.exec(`podsec-create-policy ${ip} && useradd -g podman imagemaker`), 'user');
    const r = await master.exec('passwd imagemaker', {
      pty: true,
      answers: [
        [/Re-type new password: $/, 'two'],
        [/new password: $/, 'one'],
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
    return s;
  }
  const asImagemaker = (m: NodeSession, cmd: string, answers: [RegExp, string][] = [[/Passphrase: _/, PASSPHRASE]]) =>
    m.exec(`su - imagemaker -c ${JSON.stringify(cmd)}`, { pty: true, answers });
  const catalog = async (m: NodeSession) => JSON.parse((await m.exec('curl -s http://registry.local/v2/_catalog')).stdout).repositories as string[];

  test('refuses root (not in podman_dev)', async () => {
    const { master } = await prepared();
    const r = await master.exec(`podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The script is called by a user not included in the podman_dev group');
  });

  test('pushes to registry.local/<platform of /etc/os-release> (p10), signing through pinentry\'s dialog', async () => {
    const { lab, master } = await prepared();
    const r = await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}`);
    expectOk(r, 'load-sign-oci');
    expect(r.stdout).toContain('Please enter the passphrase to unlock the OpenPGP secret key:');
    expect(readdirSync(join(lab.dir, 'nodes/cp-1/var/sigstore/sigstore/p10'))).toHaveLength(9);
    expect(await catalog(master)).toEqual(expect.arrayContaining(['p10/kube-apiserver', 'p10/etcd', 'p10/flannel']));
    expect(await catalog(master)).not.toContainEqual(expect.stringMatching(/^k8s-/));
    expect((await master.exec('curl -s http://registry.local/v2/p10/kube-apiserver/tags/list')).stdout).toBe('{"name":"p10/kube-apiserver","tags":["v1.28.3"]}');
    const line = actions(lab, 'cp-1').find((a) => a.argv[0] === 'podsec-load-sign-oci');
    expect(line).toMatchObject({ user: 'imagemaker', event: 'images-signed', exit: 0, repo: 'registry.local/p10', pushed: 9 });
    // gpg-agent keeps the passphrase 10 minutes: a second run asks nothing
    const again = await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}`, []);
    expectOk(again, 'cached');
    expect(again.stdout).not.toContain('Passphrase');
  });

  test('failed pushes are swallowed: a wrong passphrase, an unknown signer, a broken push all exit 0', async () => {
    const { lab, master } = await prepared();
    const wrong = await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}`, [[/Passphrase: _/, 'wrong-passphrase-1']]);
    expect(wrong.code).toBe(0);
    expect(wrong.stdout).toContain('Bad Passphrase (try 3 of 3)');
    expect(wrong.stdout).toContain('Error: creating signature: signing failed: Bad passphrase');
    const nobody = await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 nobody@lab.local`);
    expect(nobody.code).toBe(0);
    expect(nobody.stdout).toContain('No secret key');
    expect(await catalog(master)).toEqual([]);
    // a push broken on purpose (/var/lib/lab/fail/podman-push names the images)
    mkdirSync(join(lab.dir, 'nodes/cp-1/var/lib/lab/fail'), { recursive: true });
    writeFileSync(join(lab.dir, 'nodes/cp-1/var/lib/lab/fail/podman-push'), 'kube-proxy\netcd\n');
    const broken = await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}`);
    expect(broken.code).toBe(0);
    expect(broken.stdout).toContain('lab: push failure injected by /var/lib/lab/fail/podman-push');
    expect((await catalog(master)).sort()).toEqual(['p10/coredns', 'p10/flannel', 'p10/flannel-cni-plugin', 'p10/kube-apiserver', 'p10/kube-controller-manager', 'p10/kube-scheduler', 'p10/pause']);
    expect(actions(lab, 'cp-1').filter((a) => a.argv[0] === 'podsec-load-sign-oci').at(-1)).toMatchObject({ exit: 0, pushFailed: ['registry.local/p10/kube-proxy:v1.28.3', 'registry.local/p10/etcd:3.5.9-0'] });
  });

  test('another platform: `Continue (y/N)?` as a whole line, then a read; a k8s-… archive is refused after a yes', async () => {
    const { master } = await prepared();
    await makeArchive(master, '/tmp/c10f.tar.xz', 'c10f');
    const no = await asImagemaker(master, `podsec-load-sign-oci /tmp/c10f.tar.xz amd64 ${SIGNER}`, [[/Continue \(y\/N\)\?\r\n/, 'n']]);
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('Current platform p10 does not match installed c10f\r\nContinue (y/N)?\r\n');
    const yes = await asImagemaker(master, `podsec-load-sign-oci /tmp/c10f.tar.xz amd64 ${SIGNER}`, [
      [/Continue \(y\/N\)\?\r\n/, 'y'],
      [/Passphrase: _/, PASSPHRASE],
    ]);
    expectOk(yes, 'continue');
    expect(await catalog(master)).toContain('p10/kube-apiserver');
    await makeArchive(master, '/tmp/old.tar.xz', 'k8s-p10');
    const old = await asImagemaker(master, `podsec-load-sign-oci /tmp/old.tar.xz amd64 ${SIGNER}`, [[/Continue \(y\/N\)\?\r\n/, 'y']]);
    expect(old.code).toBe(1);
    expect(old.stdout).toContain('префикс k8- в имени образа не поддерживается');
  });

  test('usage errors: missing archive, unknown architecture, no such directory in the archive, registry without a dot', async () => {
    const { master } = await prepared();
    expect((await asImagemaker(master, `podsec-load-sign-oci /tmp/none.tar.xz amd64 ${SIGNER}`)).code).toBe(1);
    expect((await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} sparc ${SIGNER}`)).code).toBe(3);
    expect((await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} arm64 ${SIGNER}`)).code).toBe(7);
    expect((await asImagemaker(master, `podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER} localregistry/k8s`)).code).toBe(5);
  });
});

describe('in Russian', () => {
  test('a ru_RU node: podsec, passwd, gpg and pinentry speak Russian; su - takes the node\'s locale, not the caller\'s', async () => {
    const { lab, master, ip } = await setup();
    const ruAnswers: [RegExp, string][] = [
      [/Повторите новый пароль: $/, PASSWORD],
      [/Введите новый пароль: $/, PASSWORD],
      [/Ваш выбор\? $/, ''],
      [/Какой размер ключа Вам необходим\? \(3072\) $/, ''],
      [/Срок действия ключа\? \(0\) $/, '0'],
      [/Все верно\? \(y\/N\) $/, 'y'],
      [/Ваше полное имя: $/, 'Image Maker'],
      [/Адрес электронной почты: $/, SIGNER],
      [/Примечание: $/, ''],
      [/\(O\)Принять\/\(Q\)Выход\? $/, 'O'],
      [/Фраза-пароль: _/, PASSPHRASE],
    ];
    // The caller's locale alone: podsec and passwd in Russian, gpg under `su -` in the node's (English).
    const policy = await master.exec(`podsec-create-policy ${ip} && podsec-create-services`, { env: { LANG: 'ru_RU.UTF-8' } });
    expect(policy.stderr).toContain(`Добавление привязки доменов registry.local sigstore.local trivy.local к IP адресу ${ip}`);
    const mixed = await master.exec('podsec-create-imagemakeruser', { pty: true, env: { LANG: 'ru_RU.UTF-8' }, answers: [...ruAnswers, ...imagemakerAnswers()] });
    expectOk(mixed, 'imagemaker, caller in Russian');
    expect(mixed.stdout).toContain('Введите пароль пользователя imagemaker - разработчика  образов контейнеров');
    expect(mixed.stdout).toContain('Введите новый пароль: ');
    expect(mixed.stdout).toContain('Your selection? ');
    expect(mixed.stdout).not.toContain('Ваш выбор');

    // A node whose system locale is Russian: everything, pinentry's dialog included.
    writeFileSync(join(lab.dir, 'nodes/cp-1/etc/locale.conf'), 'LANG=ru_RU.UTF-8\n');
    expectOk(await master.exec('userdel imagemaker 2>/dev/null; rm -rf /home/imagemaker /var/sigstore/keys/imagemaker.pgp; sed -i "/^imagemaker:/d" /etc/passwd'), 'fresh user');
    const ru = await master.exec('podsec-create-imagemakeruser', { pty: true, answers: ruAnswers });
    expectOk(ru, 'imagemaker in Russian');
    for (const text of ['Введите новый пароль: ', 'Ваш выбор? ', 'Все верно? (y/N) ', 'Введите фразу-пароль', 'для защиты нового ключа', 'Фраза-пароль: ', '<Отмена (C)>']) expect(ru.stdout).toContain(text);
    const sign = await master.exec(`su - imagemaker -c "podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}"`, { pty: true, answers: [[/Фраза-пароль: _/, PASSPHRASE]] });
    expectOk(sign, 'sign in Russian');
    expect(sign.stdout).toContain('Введите фразу-пароль для разблокировки секретного ключа OpenPGP:');
    expect(sign.stdout).toContain('Подпись и передача образа registry.local/p10/kube-apiserver:v1.28.3 в регистратор');
  });
});

describe('secure mode on the master, as a whole', () => {
  test('the sequence runs and a worker can fetch the policy and keys with podsec-create-policy', async () => {
    const { master, node, file, ip } = await setup(1);
    await secureMaster(master, ip);
    const worker = await node('worker-1');
    expectOk(await worker.exec(`podsec-create-policy ${ip}`), 'fetch');
    expect(file('etc/containers/policy.json', 'worker-1')).toBe(file('etc/containers/policy.json'));
    expect(file('var/sigstore/keys/imagemaker.pgp', 'worker-1')).toBe(file('var/sigstore/keys/imagemaker.pgp'));
    expect(file('etc/containers/registries.conf', 'worker-1')).toMatch(/location = "registry.local"\ninsecure = true/);
  });
});
