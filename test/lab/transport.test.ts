import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import ssh2 from 'ssh2';
import { actions, connectNode, freshLab, knownKey, type NodeSession } from './lab-client.js';

type Lab = Awaited<ReturnType<typeof freshLab>>;
let lab: Lab;
let master: NodeSession;

beforeAll(async () => {
  lab = await freshLab({ workers: 1 });
  master = await connectNode(lab, 'cp-1');
});
afterAll(async () => {
  master?.end();
  await lab?.cleanup();
});

const root = (name: string) => join(lab.dir, 'nodes', name);

describe('SSH to a lab node', () => {
  test('the inventory, known_hosts and client key are written; the host key matches known_hosts', async () => {
    const inv = readFileSync(lab.inventoryFile, 'utf8');
    for (const n of lab.nodes) {
      expect(inv).toContain(`port: ${n.port}`);
      expect(knownKey(lab, n.port)).toMatch(/^AAAAC3NzaC1lZDI1NTE5/);
    }
    expect(inv).toContain('identityFile: ./id_ed25519');
    expect(statSync(lab.identityFile).mode & 0o777).toBe(0o600);
    // connectNode verifies the host key against known_hosts; a connection means it matched
    expect((await master.exec('true')).code).toBe(0);
  });

  test('a key other than the lab client key is refused', async () => {
    const other = ssh2.utils.generateKeyPairSync('ed25519');
    const node = lab.nodes[0]!;
    const error = await new Promise<Error>((resolve) => {
      const c = new ssh2.Client();
      c.on('ready', () => {
        c.end();
        resolve(new Error('unexpectedly authenticated'));
      });
      c.on('error', resolve);
      c.connect({ host: '127.0.0.1', port: node.port, username: 'root', privateKey: other.private });
    });
    expect(error.message).toMatch(/All configured authentication methods failed/);
  });

  test('a command runs with /bin/sh in the node root, stand-ins first on PATH, LAB_* set, system paths rewritten', async () => {
    const r = await master.exec('pwd; echo "$LAB_NODE $LAB_DIR $LAB_NODE_ROOT"; command -v kubeadm; cat /etc/hostname; echo hi > /tmp/x; cat /tmp/x');
    const [pwd, envLine, kubeadm, hostname, hi] = r.stdout.trim().split('\n');
    expect(pwd).toBe(root('cp-1'));
    expect(envLine).toBe(`cp-1 ${lab.dir} ${root('cp-1')}`);
    expect(kubeadm).toBe(join(lab.dir, 'bin', 'kubeadm'));
    expect(hostname).toBe('cp-1');
    expect(hi).toBe('hi');
    expect(readFileSync(join(root('cp-1'), 'tmp/x'), 'utf8')).toBe('hi\n');
  });

  test('nodes have separate disks', async () => {
    const worker = await connectNode(lab, 'worker-1');
    try {
      expect((await worker.exec('cat /etc/hostname')).stdout).toBe('worker-1\n');
      expect((await worker.exec('test -e /tmp/x')).code).toBe(1);
    } finally {
      worker.end();
    }
  });

  test('stdout and stderr stream separately; the exit code and a killing signal come back', async () => {
    expect(await master.exec('echo out; echo err >&2; exit 7')).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    expect(await master.exec('kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' });
    // a signal SSH cannot name (RFC 4254) comes back as 128+N, like a shell reports it
    expect(await master.exec('kill -BUS $$')).toMatchObject({ code: 135, signal: undefined });
  });

  test('env requests reach the command', async () => {
    expect((await master.exec('echo "$GREETING"', { env: { GREETING: 'hello lab' } })).stdout).toBe('hello lab\n');
  });

  test('stdin reaches the command', async () => {
    expect((await master.exec('cat', { stdin: 'from stdin\n' })).stdout).toBe('from stdin\n');
  });

  test('with a pty, output is terminal-like (CRLF, stderr merged) and answers arrive as lines', async () => {
    const r = await master.exec('echo "$TERM $LAB_TTY"; echo oops >&2; printf "Name? "; read n; echo "got $n"', { pty: true, answers: [[/Name\? $/, 'lab']] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('xterm 1\r\noops\r\nName? got lab\r\n');
    expect(r.stderr).toBe('');
  });

  test('closing the channel kills the whole process group it started', async () => {
    const pidFile = join(root('cp-1'), 'tmp/sleeper.pid');
    await new Promise<void>((resolve, reject) => {
      master.client.exec('sleep 300 & echo $! > /tmp/sleeper.pid; echo started; wait', (err, ch) => {
        if (err) return reject(err);
        ch.on('data', (d: Buffer) => {
          if (d.toString().includes('started')) ch.close();
        });
        ch.on('close', () => resolve());
      });
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const gone = await new Promise<boolean>((resolve) => {
      const deadline = Date.now() + 5000;
      const poll = () => {
        // dead: no such process, or a zombie waiting for whatever reaps orphans here
        const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
        if (stat === '' || / Z /.test(stat)) return resolve(true);
        if (Date.now() > deadline) return resolve(false);
        setImmediate(poll);
      };
      poll();
    });
    expect(gone).toBe(true);
  });

  test('every stand-in run appends one JSON line with time and argv to the node actions.log', async () => {
    const before = actions(lab, 'cp-1').length;
    await master.exec('hostname; hostname -I');
    const lines = actions(lab, 'cp-1').slice(before);
    expect(lines.map((l) => l.argv)).toEqual([['hostname'], ['hostname', '-I']]);
    for (const l of lines) {
      expect(new Date(l.time).toISOString()).toBe(l.time);
      expect(l.exit).toBe(0);
    }
    expect((await master.exec('hostname -I')).stdout).toBe(`${lab.subnet}.1\n`);
  });
});

describe('SFTP on a lab node', () => {
  test('an atomic upload (temporary file, chmod, rename over the old file) lands in the node root', async () => {
    const sftp = await master.sftp();
    const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
      new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
    await call((cb) => sftp.mkdir('/etc/app', cb));
    await call((cb) => sftp.writeFile('/etc/app/app.conf', 'old\n', cb));
    await call((cb) => sftp.writeFile('/etc/app/.app.conf.tmp', 'new secret\n', cb));
    await call((cb) => sftp.chmod('/etc/app/.app.conf.tmp', 0o600, cb));
    await call((cb) => sftp.rename('/etc/app/.app.conf.tmp', '/etc/app/app.conf', cb));
    const file = join(root('cp-1'), 'etc/app/app.conf');
    expect(readFileSync(file, 'utf8')).toBe('new secret\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(root('cp-1'), 'etc/app/.app.conf.tmp'))).toBe(false);

    const st = await call<ssh2.Stats>((cb) => sftp.stat('/etc/app/app.conf', cb));
    expect(st.size).toBe(11);
    const names = await call<{ filename: string }[]>((cb) => sftp.readdir('/etc/app', cb));
    expect(names.map((n) => n.filename)).toEqual(['app.conf']);
    expect((await call<Buffer>((cb) => sftp.readFile('/etc/app/app.conf', cb))).toString()).toBe('new secret\n');
    expect(await call<string>((cb) => sftp.realpath('.', cb))).toBe('/root');
    await call((cb) => sftp.unlink('/etc/app/app.conf', cb));
    await call((cb) => sftp.rmdir('/etc/app', cb));
    expect(existsSync(join(root('cp-1'), 'etc/app'))).toBe(false);
    await expect(call((cb) => sftp.stat('/no/such/file', cb))).rejects.toThrow(/No such file/);
    // ".." cannot climb out of the node root
    await call((cb) => sftp.writeFile('/../../escape.txt', 'x', cb));
    expect(existsSync(join(root('cp-1'), 'escape.txt'))).toBe(true);
    sftp.end();
  });
});
