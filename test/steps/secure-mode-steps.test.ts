// The master's secure mode: podsec-policy (not re-runnable), podsec-services, the image maker's
// passwd/gpg answers, signing as the image maker — against a scripted node.
import { describe, expect, it } from 'vitest';
import { lendTerminal } from '../../engine/util/lend-terminal.js';
import { podsecImagemakerStep } from '../../steps/podsec-imagemaker.js';
import { podsecPolicyStep } from '../../steps/podsec-policy.js';
import { podsecServicesStep } from '../../steps/podsec-services.js';
import { signImagesStep } from '../../steps/sign-images.js';
import { fakeWorld, haInventory, shownCommands, singleInventory, type FakeWorld } from './fake-context.js';

function policyState(w: FakeWorld, ...states: string[]): void {
  let i = 0;
  w.self.on(/echo hosts-named/, () => ({ stdout: states[Math.min(i++, states.length - 1)] ?? '' }));
}

describe('podsec-policy', () => {
  it('is done when /etc/hosts names registry.local and policy.json exists', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, 'hosts-named policy');
    expect(await podsecPolicyStep.check!(w.ctx, {})).toMatchObject({ done: true });
    const w2 = fakeWorld(haInventory(), 'cp-1');
    policyState(w2, 'policy');
    expect(await podsecPolicyStep.check!(w2.ctx, {})).toEqual({ done: false });
  });

  it("runs podsec-create-policy with the master's internal address, between a start marker and its removal", async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    policyState(w, '', 'hosts-named policy');
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
    policyState(w, 'hosts-named started', 'hosts-named policy');
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
  it('signs as the image maker with the passphrase answer and writes a marker after success', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    w.self.on(/^sha256sum </, { stdout: `${'e'.repeat(64)}  -\n` });
    const out = await signImagesStep.run(w.ctx, { archive: '/srv/images k8s.tar.xz', passphrase: 'gpg-passphrase-1' });
    const call = w.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!;
    expect(call.command).toBe("podsec-load-sign-oci '/srv/images k8s.tar.xz' amd64 imagemaker@registry.local");
    expect(call.options.runAs).toBe('imagemaker');
    expect(call.options.answers?.map((a) => a.send)).toEqual(['gpg-passphrase-1']);
    expect(out!.marker).toMatch(/^\/var\/lib\/podsec-play\/signed-[0-9a-f]{32}$/);
    const last = w.calls[w.calls.length - 1]!.command;
    expect(last).toContain(`> ${out!.marker}`);
    expect(w.secrets).toContain('gpg-passphrase-1');
  });

  it('answers "Continue (y/N)?" only when acceptPlatformMismatch is set', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    await signImagesStep.run(w.ctx, { passphrase: 'gpg-passphrase-1', acceptPlatformMismatch: true });
    const answers = w.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!.options.answers!;
    expect(answers.find((a) => new RegExp(a.prompt).test('Continue (y/N)? '))?.send).toBe('y');
    const w2 = fakeWorld(singleInventory(), 'cp-1');
    await signImagesStep.run(w2.ctx, { passphrase: 'gpg-passphrase-1' });
    const answers2 = w2.calls.find((c) => c.command.startsWith('podsec-load-sign-oci'))!.options.answers!;
    expect(answers2.some((a) => new RegExp(a.prompt).test('Continue (y/N)? '))).toBe(false);
  });

  it('is done when the marker for this archive and signer exists, and not for another archive', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    const out = await signImagesStep.run(w.ctx, { archive: '/srv/a.tar.xz', passphrase: 'p-1234' });
    w.self.write(out!.marker as string, 'x');
    expect(await signImagesStep.check!(w.ctx, { archive: '/srv/a.tar.xz', passphrase: 'p-1234' })).toMatchObject({ done: true });
    expect(await signImagesStep.check!(w.ctx, { archive: '/srv/b.tar.xz', passphrase: 'p-1234' })).toEqual({ done: false });
  });

  it('a failed signing writes no marker', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.on(/^podsec-load-sign-oci/, { exitCode: 1 });
    await expect(signImagesStep.run(w.ctx, { passphrase: 'p-1234' })).rejects.toMatchObject({ code: 'E_COMMAND' });
    expect(w.calls.some((c) => c.command.includes('signed-'))).toBe(false);
  });
});
