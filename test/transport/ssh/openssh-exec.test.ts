// End to end against a real sshd: key auth, exec semantics, PTY answers and idle prompts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import type { Transport } from '../../../engine/transport/types.js';
import { secretsOf, startBed, testHost, testInventory, type Bed } from '../../helpers/openssh.js';

describe('SSH transport against OpenSSH: exec', () => {
  let bed: Bed;
  let transport: Transport;
  let open: (signal?: AbortSignal) => Transport;
  const logs: string[] = [];
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    bed = await startBed('127.0.0.2');
    const host = testHost('node-1', bed.sshd);
    const inventory = testInventory(bed.dir, [host], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
    open = (signal) =>
      createSshTransport(host, inventory, {
        secrets: secretsOf({}),
        acceptNewHostKeys: false,
        inventoryHosts: inventory.hosts,
        inventoryDir: bed.dir,
        sshConfigFile: '/nonexistent/ssh_config',
        onLog: (m) => logs.push(m),
        ...(signal ? { signal } : {}),
      });
    transport = open();
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  it('logs in with a key file named relative to the inventory and runs a command', async () => {
    const r = await transport.exec('id -un; echo "$SHLVL"');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('root');
    expect(logs.some((l) => l.startsWith('connecting to root@127.0.0.2:'))).toBe(true);
  });

  it('reuses one connection for every command', async () => {
    const before = (await bed.sshd.sessionPids()).length;
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => transport.exec(`echo ${i}; exit ${i % 3}`)));
    // More commands at once than sshd's MaxSessions (10): they queue instead of failing.
    expect(results.map((r) => [r.stdout, r.exitCode])).toEqual(results.map((_, i) => [`${i}\n`, i % 3]));
    expect((await bed.sshd.sessionPids()).length).toBe(before);
    expect(logs.filter((l) => l.startsWith('connecting')).length).toBe(1);
  });

  it('reports the exit code, stderr and streamed lines in order', async () => {
    const lines: string[] = [];
    const r = await transport.exec('echo one; echo two >&2; echo three; exit 7', {
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe('one\nthree\n');
    expect(r.stderr).toBe('two\n');
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:one', 'stdout:three']);
    expect(lines).toContain('stderr:two');
  });

  it('reports the signal that killed the command', async () => {
    const r = await transport.exec('kill -TERM $$');
    expect(r.exitCode).toBeUndefined();
    expect(r.signal).toBe('SIGTERM');
  });

  it('exports env values quoted, whatever they contain', async () => {
    const value = `it's $HOME; "quoted" \`x\``;
    const r = await transport.exec('printf %s "$GREETING"', { env: { GREETING: value } });
    expect(r.stdout).toBe(value);
  });

  it('delivers env values through stdin: multi-line and UTF-8 kept, the caller\'s stdin untouched', async () => {
    const value = 'line one\nline two — ünïcödé\n';
    const r = await transport.exec('printf %s "$MULTI"; echo "|$(cat)|"', { env: { MULTI: value }, stdin: 'caller data' });
    expect(r.stdout).toBe(`${value}|caller data|\n`);
  });

  it('keeps env values off the command line (not visible in ps)', async () => {
    const r = await transport.exec('ps -eo args', { env: { JOIN_TOKEN: 'abcdef.0123456789abcdef' } });
    expect(r.stdout).toContain('ps -eo args');
    expect(r.stdout).not.toContain('0123456789abcdef');
  });

  it('delivers env values on a PTY too', async () => {
    const r = await transport.exec('printf "%s|" "$A" "$B"', { pty: true, env: { A: 'x y', B: "q'uote" } });
    expect(r.stdout).toBe("x y|q'uote|");
  });

  it('delivers env values to a command run as another user', async () => {
    const r = await transport.exec('echo "$(id -un):$V"', { runAs: 'nobody', env: { V: 'val' } });
    expect(r.stdout).toBe('nobody:val\n');
  });

  it('rejects an invalid env name with E_INPUT', async () => {
    await expect(transport.exec('true', { env: { 'BAD-NAME': 'x' } })).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  it('feeds stdin and closes it', async () => {
    const r = await transport.exec('wc -c', { stdin: 'hello\n' });
    expect(r.stdout.trim()).toBe('6');
  });

  it('gives a command no stdin by default, so a read does not hang', async () => {
    const r = await transport.exec('read x; echo "rc=$?"');
    expect(r.stdout.trim()).toBe('rc=1');
  });

  it('runs as another user with su when logged in as root', async () => {
    const r = await transport.exec('id -un', { runAs: 'nobody' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('nobody');
  });

  it("lends a PTY's terminal to the user it runs as (pinentry opens it by name)", async () => {
    // as nobody: can it open the session's terminal for writing, as pinentry must?
    const r = await transport.exec('t=$(tty) && test -w "$t" && echo "lent $(stat -c %U "$t")"', { runAs: 'nobody', pty: true });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain('lent nobody');
  });

  it('kills a command that passes its timeout and says timedOut', async () => {
    const r = await transport.exec('sleep 31.25', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeUndefined();
    expect(r.durationMs).toBeLessThan(10_000);
    // The command is gone (sshd ignores signal requests on root logins: we killed it), and
    // the connection is still fine afterwards.
    const left = await transport.exec(`pgrep -f 'sleep 31[.]25' || echo none`);
    expect(left.stdout.trim()).toBe('none');
  });

  it('rejects with E_ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    const pending = transport.exec('echo started; sleep 32.5', {
      signal: controller.signal,
      onLine: (line) => {
        if (line === 'started') controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED', host: 'node-1' });
    const left = await transport.exec(`pgrep -f 'sleep 32[.]5' || echo none`);
    expect(left.stdout.trim()).toBe('none');
  });

  it('aborts what runs and refuses new work once the transport\'s own signal fires', async () => {
    const controller = new AbortController();
    const t = open(controller.signal);
    try {
      const pending = t.exec('echo started; sleep 33.5', {
        onLine: (line) => {
          if (line === 'started') controller.abort();
        },
      });
      await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED', host: 'node-1' });
      await expect(t.exec('true')).rejects.toMatchObject({ code: 'E_ABORTED' });
      const left = await transport.exec(`pgrep -f 'sleep 33[.]5' || echo none`);
      expect(left.stdout.trim()).toBe('none');
    } finally {
      await t.close();
    }
  });

  it('answers a prompt on a PTY', async () => {
    const r = await transport.exec(`printf 'Password: '; read -r p; echo "got $p"`, {
      pty: true,
      answers: [{ prompt: 'Password: $', send: 's3cret-answer' }],
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('got s3cret-answer');
    // Echo is off on the PTY: the answer appears only where the command printed it.
    expect(r.stdout.split('s3cret-answer').length).toBe(2);
  });

  it('answers repeated prompts, and a once-answer only once', async () => {
    const script = `for i in 1 2; do printf 'Name? '; read -r n; echo "n=$n"; done; printf 'Sure? [y/N] '; read -r a; echo "a=$a"`;
    const r = await transport.exec(script, {
      pty: true,
      answers: [
        { prompt: 'Name\\? $', send: 'bob' },
        { prompt: 'Sure\\? \\[y/N\\] $', send: 'y', once: true },
      ],
    });
    expect(r.stdout).toContain('n=bob');
    expect(r.stdout.match(/n=bob/g)?.length).toBe(2);
    expect(r.stdout).toContain('a=y');
  });

  it('fails fast with E_PROMPT showing an unmatched prompt instead of hanging', async () => {
    const started = Date.now();
    const err = await transport
      .exec(`printf 'Clear directory? [y/N] '; read -r a; echo never`, {
        pty: true,
        answers: [{ prompt: 'Password:', send: 'x' }],
        promptIdleMs: 300,
        timeoutMs: 20_000,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PlayError);
    expect((err as PlayError).code).toBe('E_PROMPT');
    expect((err as PlayError).message).toContain('Clear directory? [y/N]');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await transport.exec('echo still-connected')).stdout).toBe('still-connected\n');
  });

  it('does not mistake output that merely ends in a colon for a prompt once the command exits', async () => {
    const r = await transport.exec(`printf 'done:'`, {
      answers: [{ prompt: 'Password:', send: 'x' }],
      promptIdleMs: 200,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('done:');
  });
});
