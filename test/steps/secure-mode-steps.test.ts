// The master's secure mode: podsec-policy (not re-runnable), podsec-services, the image maker's
// passwd/gpg answers, signing as the image maker — against a scripted node.
import { describe, expect, it } from 'vitest';
import { lendTerminal } from '../../engine/util/lend-terminal.js';
import { podsecImagemakerStep } from '../../steps/podsec-imagemaker.js';
import { podsecPolicyStep } from '../../steps/podsec-policy.js';
import { podsecServicesStep } from '../../steps/podsec-services.js';
import { signImagesStep } from '../../steps/sign-images.js';
import { platformFromOsRelease } from '../../steps/lib/platform.js';
import { checkScript, parseCheck } from '../../steps/lib/signed-images.js';
import { fakeWorld, haInventory, shownCommands, singleInventory, type FakeWorld } from './fake-context.js';

function policyState(w: FakeWorld, ...states: string[]): void {
  let i = 0;
  w.self.on(/echo hosts-named/, () => ({ stdout: states[Math.min(i++, states.length - 1)] ?? '' }));
}

describe('podsec-policy', () => {
  it('is done on the master when /etc/hosts names registry.local, registries.conf marks it insecure and policy.json exists', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, 'hosts-named insecure policy');
    expect(await podsecPolicyStep.check!(w.ctx, {})).toMatchObject({ done: true });
    const w2 = fakeWorld(haInventory(), 'cp-1');
    policyState(w2, 'policy');
    expect(await podsecPolicyStep.check!(w2.ctx, {})).toEqual({ done: false });
    // the policy copied onto a node (hosts line, policy.json) without podsec-create-policy: not done
    const w3 = fakeWorld(haInventory(), 'worker-1');
    policyState(w3, 'hosts-named policy');
    expect(await podsecPolicyStep.check!(w3.ctx, {})).toEqual({ done: false });
  });

  it("runs on every node with the master's address; another node is done without a policy.json of its own (copy-policy brings the master's)", async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    policyState(w, '', 'hosts-named insecure');
    await podsecPolicyStep.run(w.ctx, {});
    expect(w.calls.map((c) => c.command)).toContain('podsec-create-policy 10.0.1.1');
    const w2 = fakeWorld(haInventory(), 'worker-1');
    policyState(w2, 'hosts-named insecure');
    expect(await podsecPolicyStep.check!(w2.ctx, {})).toMatchObject({ done: true });
  });

  it('refuses a node whose /etc/hosts names registry.local without registry.local being insecure (someone else wrote the line)', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    policyState(w, 'hosts-named policy');
    await expect(podsecPolicyStep.run(w.ctx, {})).rejects.toThrow(/registry\.local marked insecure in \/etc\/containers\/registries\.conf is missing/);
  });

  it("runs podsec-create-policy with the master's internal address, between a start marker and its removal", async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, '', 'hosts-named insecure policy');
    await podsecPolicyStep.run(w.ctx, {});
    const cmds = w.calls.map((c) => c.command).filter((c) => !c.includes('echo hosts-named'));
    expect(cmds).toEqual([
      'mkdir -p /var/lib/podsec-play && date -u +%Y-%m-%dT%H:%M:%SZ > /var/lib/podsec-play/podsec-policy.started',
      'podsec-create-policy 10.0.1.1',
      'rm -f /var/lib/podsec-play/podsec-policy.started',
    ]);
  });

  it('refuses 127.0.0.1 before running anything', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    await expect(podsecPolicyStep.run(w.ctx, { registryIp: '127.0.0.1' })).rejects.toMatchObject({ code: 'E_STEP' });
    expect(w.calls).toEqual([]);
  });

  it('refuses (clearly) when /etc/hosts names registry.local from something else, as the program would exit 1', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, 'hosts-named');
    await expect(podsecPolicyStep.run(w.ctx, {})).rejects.toThrow(/already names registry\.local/);
    expect(w.calls.some((c) => c.command.startsWith('podsec-create-policy'))).toBe(false);
  });

  it('cleans up its own half-done run (hosts line written, no policy) before running again', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, 'hosts-named started', 'hosts-named insecure policy');
    await podsecPolicyStep.run(w.ctx, {});
    const cmds = w.calls.map((c) => c.command);
    const sed = cmds.findIndex((c) => c.startsWith('sed -i'));
    expect(sed).toBeGreaterThanOrEqual(0);
    expect(sed).toBeLessThan(cmds.indexOf('podsec-create-policy 10.0.1.1'));
  });
});

describe('podsec-services', () => {
  it('checks docker-registry and nginx with systemctl is-active', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.on('systemctl is-active docker-registry nginx', { stdout: 'active\ninactive\n', exitCode: 3 });
    expect(await podsecServicesStep.check!(w.ctx, {})).toEqual({ done: false });
    w.self.first('systemctl is-active docker-registry nginx', { stdout: 'active\nactive\n' });
    expect(await podsecServicesStep.check!(w.ctx, {})).toMatchObject({ done: true });
  });

  it('fails retryably when the services are not active after podsec-create-services', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.on('systemctl is-active docker-registry nginx', { stdout: 'active\nfailed\n', exitCode: 3 });
    await expect(podsecServicesStep.run(w.ctx, {})).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('nginx') });
  });
});

describe('podsec-imagemaker', () => {
  const w0 = { password: 'im-password-1', passphrase: 'gpg-passphrase-1' };

  it('answers passwd and gpg2 over a PTY from the secrets, which never reach a command line', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    w.self.write('/var/sigstore/keys/imagemaker.pgp', 'key');
    const out = await podsecImagemakerStep.run(w.ctx, w0);
    const call = w.calls.find((c) => c.command.includes('podsec-create-imagemakeruser'))!;
    // the terminal lent to podman (the new user's group) for gpg's pinentry after su
    expect(call.command).toBe(`${lendTerminal({ group: 'podman' })}podsec-create-imagemakeruser imagemaker`);
    expect(call.options.pty).toBe(true);
    const answer = (prompt: string): string | undefined => call.options.answers!.find((a) => new RegExp(a.prompt).test(prompt))?.send;
    expect(answer('New password: ')).toBe(w0.password);
    expect(answer('Retype new password: ')).toBe(w0.password);
    expect(answer('Real name: ')).toBe('Image Maker');
    expect(answer('Email address: ')).toBe('imagemaker@registry.local');
    expect(answer('Change (N)ame, (C)omment, (E)mail or (O)kay/(Q)uit? ')).toBe('O');
    expect(answer('Passphrase: ')).toBe(w0.passphrase);
    expect(answer('Is this correct? (y/N) ')).toBe('y');
    expect(w.secrets).toEqual(expect.arrayContaining([w0.password, w0.passphrase]));
    expect(shownCommands(w).join('\n')).not.toMatch(/im-password-1|gpg-passphrase-1/);
    expect(out).toEqual({ user: 'imagemaker', email: 'imagemaker@registry.local', publicKey: '/var/sigstore/keys/imagemaker.pgp' });
  });

  it('is done once the public key is exported', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    expect(await podsecImagemakerStep.check!(w.ctx, w0)).toEqual({ done: false });
    w.self.write('/var/sigstore/keys/imagemaker.pgp', 'key');
    expect(await podsecImagemakerStep.check!(w.ctx, w0)).toMatchObject({ done: true, outputs: { user: 'imagemaker' } });
  });

  it('fails when the program finished without exporting the key', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    await expect(podsecImagemakerStep.run(w.ctx, { ...w0, user: 'signer', repo: 'registry.local/app' })).rejects.toMatchObject({ code: 'E_STEP' });
    expect(w.calls.some((c) => c.command.endsWith('; podsec-create-imagemakeruser signer@registry.local/app'))).toBe(true);
  });
});

describe('sign-images', () => {
  const REFS = ['kube-apiserver:v1.28.3', 'kube-proxy:v1.28.3', 'etcd:3.5.9-0', 'pause:3.9'];
  /** The master's archive (its OCI index, filed under `platform`) and what the registry check finds. */
  function archiveOn(w: FakeWorld, o: { platform?: string; check?: (ref: string) => string } = {}): void {
    const index = { manifests: REFS.map((r) => ({ annotations: { 'org.opencontainers.image.ref.name': `${o.platform ?? 'p10'}/${r}` } })) };
    w.self.on(/^xz -dc < /, { stdout: JSON.stringify(index) });
    w.self.on(/^for ref in /, (command) => ({
      stdout: (/^for ref in (.*?); do/.exec(command)?.[1] ?? '').split(' ').map((r) => (o.check ?? ((x: string) => `signed ${x}`))(r.replace(/'/g, ''))).join('\n') + '\n',
    }));
  }

  it("signs as the image maker with the cluster's U7S_PLATFORM and the passphrase answer; writes a marker after the registry check", async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w);
    w.self.on(/^sha256sum </, { stdout: `${'e'.repeat(64)}  -\n` });
    const out = await signImagesStep.run(w.ctx, { archive: '/srv/images k8s.tar.xz', passphrase: 'gpg-passphrase-1' });
    const call = w.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!;
    expect(call.command).toBe("podsec-load-sign-oci '/srv/images k8s.tar.xz' amd64 imagemaker@registry.local");
    expect(call.options.runAs).toBe('imagemaker');
    expect(call.options.env).toEqual({ U7S_PLATFORM: 'p10' });
    expect(call.options.answers?.map((a) => a.send)).toEqual(['gpg-passphrase-1']);
    const answer = (screen: string) => call.options.answers!.find((a) => new RegExp(a.prompt).test(screen))?.send;
    // pinentry's dialog as the screen shows it at the cursor, in English and in Russian
    expect(answer('                    x Passphrase: ')).toBe('gpg-passphrase-1');
    expect(answer('                    │ Фраза-пароль: ')).toBe('gpg-passphrase-1');
    const check = w.calls.find((c) => c.command.startsWith('for ref in'))!.command;
    expect(check).toContain('for ref in p10/kube-apiserver:v1.28.3 p10/kube-proxy:v1.28.3 p10/etcd:3.5.9-0 p10/pause:3.9; do');
    expect(out!.marker).toMatch(/^\/var\/lib\/podsec-play\/signed-[0-9a-f]{32}$/);
    const last = w.calls[w.calls.length - 1]!.command;
    expect(last).toContain(`> ${out!.marker}`);
    expect(w.secrets).toContain('gpg-passphrase-1');
  });

  it('podsec-load-sign-oci exited 0 but images are missing or unsigned: the step fails naming them, and writes no marker', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w, { check: (r) => (r.includes('kube-proxy') ? `missing ${r}` : r.includes('etcd') ? `unsigned ${r} sha256:${'f'.repeat(64)}` : `signed ${r}`) });
    await expect(signImagesStep.run(w.ctx, { passphrase: 'p-12345678' })).rejects.toMatchObject({
      code: 'E_STEP',
      retryable: true,
      message:
        'podsec-load-sign-oci exited 0, but 2 of 4 images of /var/lib/podsec-play/images/podsec-k8s-images.tar.xz are not in registry.local with a signature: ' +
        'p10/kube-proxy:v1.28.3 (not in registry.local), p10/etcd:3.5.9-0 (no signature in /var/sigstore/sigstore)',
    });
    expect(w.calls.some((c) => c.command.includes('signed-'))).toBe(false);
  });

  it('the registry check: a digest from the registry, its signature in the lookaside directory', () => {
    const script = checkScript(['p10/etcd:3.5.9-0']);
    expect(script).toContain('"http://registry.local/v2/$repo/manifests/$tag"');
    expect(script).toContain('[Dd]ocker-[Cc]ontent-[Dd]igest');
    expect(script).toContain('"/var/sigstore/sigstore/$repo@${d%%:*}=${d#*:}/signature-1"');
    expect(parseCheck('signed p10/etcd:3.5.9-0\n', ['p10/etcd:3.5.9-0', 'p10/pause:3.9'])).toEqual({ missing: ['p10/pause:3.9'], unsigned: [] });
  });

  it('answers "Continue (y/N)?" (a whole line) only when acceptPlatformMismatch is set; a k8s-… archive is refused before anything runs', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w, { platform: 'c10f' });
    await signImagesStep.run(w.ctx, { passphrase: 'gpg-passphrase-1', acceptPlatformMismatch: true });
    const answers = w.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!.options.answers!;
    expect(answers.find((a) => new RegExp(a.prompt).test('Current platform p10 does not match installed c10f\nContinue (y/N)?\n'))?.send).toBe('y');
    expect(answers.find((a) => new RegExp(a.prompt).test('Продолжать (y/N)?\n'))?.send).toBe('y');
    const w2 = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w2, { platform: 'c10f' });
    await expect(signImagesStep.run(w2.ctx, { passphrase: 'gpg-passphrase-1' })).rejects.toThrow(/holds images for platform c10f, the cluster's is p10/);
    const w3 = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w3, { platform: 'k8s-p10' });
    await expect(signImagesStep.run(w3.ctx, { passphrase: 'gpg-passphrase-1', acceptPlatformMismatch: true })).rejects.toThrow(/refuses k8s-… platforms since 2025-08-31/);
    for (const world of [w2, w3]) expect(world.calls.some((c) => c.command.startsWith('podsec-load-sign-oci'))).toBe(false);
  });

  it('the cluster platform: inventory, else the master\'s /etc/os-release; k8s-… names refused', async () => {
    expect(platformFromOsRelease('NAME="ALT Server"\nCPE_NAME="cpe:/o:alt:server:10.2"\n')).toBe('p10');
    expect(platformFromOsRelease('ALT_BRANCH_ID=c10f2\n')).toBe('c10f');
    expect(platformFromOsRelease('CPE_NAME="cpe:/o:alt:spserver:10"\n')).toBe('c10f');
    expect(platformFromOsRelease('CPE_NAME="cpe:/o:alt:sisyphus:20250101"\n')).toBe('sisyphus');
    const inv = singleInventory();
    inv.cluster.platform = 'k8s-p10';
    const w = fakeWorld(inv, 'cp-1');
    archiveOn(w);
    await expect(signImagesStep.run(w.ctx, { passphrase: 'gpg-passphrase-1' })).rejects.toThrow(/cluster\.platform is "k8s-p10".*Name the ALT branch instead: p10/);
    const inv2 = singleInventory();
    delete inv2.cluster.platform;
    const w2 = fakeWorld(inv2, 'cp-1');
    archiveOn(w2, { platform: 'sisyphus' });
    w2.self.write('/etc/os-release', 'CPE_NAME="cpe:/o:alt:sisyphus:20250101"\n');
    (w2.ctx as { factsOf: (n: string) => undefined }).factsOf = () => undefined; // no facts: os-release read
    await signImagesStep.run(w2.ctx, { passphrase: 'gpg-passphrase-1' });
    expect(w2.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!.options.env).toEqual({ U7S_PLATFORM: 'sisyphus' });
  });

  it('is done when the marker for this archive and signer exists, and not for another archive', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    archiveOn(w);
    const out = await signImagesStep.run(w.ctx, { archive: '/srv/a.tar.xz', passphrase: 'p-1234' });
    w.self.write(out!.marker as string, 'x');
    expect(await signImagesStep.check!(w.ctx, { archive: '/srv/a.tar.xz', passphrase: 'p-1234' })).toMatchObject({ done: true });
    expect(await signImagesStep.check!(w.ctx, { archive: '/srv/b.tar.xz', passphrase: 'p-1234' })).toEqual({ done: false });
  });

  it('a failed signing writes no marker', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    archiveOn(w);
    w.self.on(/^podsec-load-sign-oci/, { exitCode: 1 });
    await expect(signImagesStep.run(w.ctx, { passphrase: 'p-1234' })).rejects.toMatchObject({ code: 'E_COMMAND' });
    expect(w.calls.some((c) => c.command.includes('signed-'))).toBe(false);
  });
});
