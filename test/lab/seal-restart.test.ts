import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startLab, type RunningLab } from '../../lab/index.js';
import { connectNode, freshLab } from './lab-client.js';

/** Does 127.0.0.1:port accept a TCP connection right now? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function lab(opts = {}) {
  const l = await freshLab(opts);
  cleanups.push(() => l.cleanup());
  return l;
}

const portOf = (l: RunningLab, name: string) => l.nodes.find((n) => n.name === name)!.port;

describe('turning SSH off on a node', () => {
  test('`systemctl disable --now sshd` closes that node\'s port before it returns; its session and other nodes live on', async () => {
    const l = await lab({ workers: 1 });
    const worker = await connectNode(l, 'worker-1');
    try {
      expect(await accepts(portOf(l, 'worker-1'))).toBe(true);
      const r = await worker.exec('systemctl disable --now sshd');
      expect(r.code).toBe(0);
      expect(await accepts(portOf(l, 'worker-1'))).toBe(false);
      expect(await accepts(portOf(l, 'cp-1'))).toBe(true);
      // sshd's KillMode=process: the session that ran the command is not cut
      expect((await worker.exec('systemctl is-enabled sshd; systemctl is-active sshd')).stdout).toBe('disabled\ninactive\n');
    } finally {
      worker.end();
    }
  });

  test('the unit names ssh and ssh.service work too', async () => {
    const l = await lab({ workers: 1 });
    const worker = await connectNode(l, 'worker-1');
    try {
      expect((await worker.exec('systemctl disable --now ssh.service')).code).toBe(0);
      expect(await accepts(portOf(l, 'worker-1'))).toBe(false);
    } finally {
      worker.end();
    }
  });
});

/** Has the process ended (gone, or a zombie waiting to be reaped)? Waits up to `ms`. */
async function ended(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    if (stat === '' || / Z /.test(stat)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setImmediate(r));
  }
}

describe('stopping a lab', () => {
  test('kills the commands still running on its nodes, and only those of that lab', async () => {
    const a = await lab({ workers: 0 });
    const b = await lab({ workers: 0 });
    const sa = await connectNode(a, 'cp-1');
    const sb = await connectNode(b, 'cp-1');
    const started = (s: typeof sa) =>
      new Promise<void>((resolve, reject) =>
        s.client.exec('sleep 300 & echo $! > /tmp/sleeper.pid; echo started; wait', (err, ch) => {
          if (err) return reject(err);
          ch.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
          ch.on('error', () => undefined);
        }),
      );
    await Promise.all([started(sa), started(sb)]);
    const pidIn = (l: RunningLab) => Number(readFileSync(join(l.dir, 'nodes/cp-1/tmp/sleeper.pid'), 'utf8'));
    await a.stop();
    expect(await ended(pidIn(a))).toBe(true);
    // stop() sends its SIGKILLs before it resolves: had b's command been hit, it would be over by now
    expect(await ended(pidIn(b), 200)).toBe(false);
    sb.end();
    await b.stop();
    expect(await ended(pidIn(b))).toBe(true);
  });
});

describe('restarting a lab on the same DIR', () => {
  test('keeps ports, host keys, node files and a sealed node sealed; a merely stopped sshd comes back like after a reboot', async () => {
    const first = await lab({ workers: 2 });
    const dir = first.dir;
    const ports = first.nodes.map((n) => n.port);
    const knownHosts = readFileSync(first.knownHostsFile, 'utf8');
    const inventory = readFileSync(first.inventoryFile, 'utf8');
    const master = await connectNode(first, 'cp-1');
    const w1 = await connectNode(first, 'worker-1');
    const w2 = await connectNode(first, 'worker-2');
    expect((await master.exec('echo kept > /root/marker')).code).toBe(0);
    expect((await w1.exec('systemctl disable --now sshd')).code).toBe(0);
    expect((await w2.exec('systemctl stop sshd')).code).toBe(0);
    for (const s of [master, w1, w2]) s.end();
    await first.stop();
    for (const p of ports) expect(await accepts(p)).toBe(false);

    const second = await startLab({ dir });
    cleanups.push(() => second.stop());
    expect(second.nodes.map((n) => n.port)).toEqual(ports);
    expect(readFileSync(second.knownHostsFile, 'utf8')).toBe(knownHosts);
    expect(readFileSync(second.inventoryFile, 'utf8')).toBe(inventory);
    expect(second.nodes.map((n) => [n.name, n.listening])).toEqual([
      ['cp-1', true],
      ['worker-1', false],
      ['worker-2', true],
    ]);
    expect(await accepts(portOf(second, 'worker-1'))).toBe(false);
    const again = await connectNode(second, 'cp-1'); // host key checked against the old known_hosts
    try {
      expect((await again.exec('cat /root/marker')).stdout).toBe('kept\n');
    } finally {
      again.end();
    }
  });

  test('larger counts add nodes to an existing lab without touching the old ones', async () => {
    const first = await lab({ workers: 1 });
    const before = first.nodes.map((n) => ({ name: n.name, port: n.port, internalAddress: n.internalAddress }));
    await first.stop();
    const second = await startLab({ dir: first.dir, workers: 2 });
    cleanups.push(() => second.stop());
    expect(second.nodes.slice(0, 2).map((n) => ({ name: n.name, port: n.port, internalAddress: n.internalAddress }))).toEqual(before);
    expect(second.nodes[2]).toMatchObject({ name: 'worker-2', role: 'worker', listening: true });
    expect(readFileSync(second.inventoryFile, 'utf8')).toContain('name: worker-2');
  });

  test('a port taken by someone else while the lab was down is a clear error', async () => {
    const first = await lab({ workers: 0 });
    const port = first.nodes[0]!.port;
    await first.stop();
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      await expect(startLab({ dir: first.dir })).rejects.toMatchObject({ code: 'E_STATE', message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  test('a lab whose pid file names another live process is refused (E_LOCKED)', async () => {
    const first = await lab({ workers: 0 });
    await first.stop();
    writeFileSync(join(first.dir, 'lab.pid'), `${process.ppid}\n`);
    await expect(startLab({ dir: first.dir })).rejects.toMatchObject({ code: 'E_LOCKED' });
  });
});
