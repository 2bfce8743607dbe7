// The fault proxy the seal tests put between the controller and lab nodes: each fault it
// offers, against a plain echo server on loopback.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeTcp } from '../../steps/lib/tcp-probe.js';
import { FaultProxy } from './fault-proxy.js';

const servers: Server[] = [];
const proxies: FaultProxy[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** An echo server on a free port (or the given one). */
async function echo(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

async function proxyTo(port: number): Promise<FaultProxy> {
  const p = await FaultProxy.start(port);
  proxies.push(p);
  return p;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    sockets.push(s);
    s.once('error', reject);
  });
}

/** Send `text` and resolve with what comes back, or 'silence' if the socket ends or the other
 * promise settles first. */
function roundTrip(s: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) resolve(got);
    });
    s.write(text);
  });
}

const closedOrReset = (s: Socket): Promise<string> =>
  new Promise((resolve) => {
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('close', () => resolve('closed'));
  });

describe('the fault proxy', () => {
  test('passes bytes both ways, in order, also over a slow link', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    const s = await open(proxy.port);
    expect(await roundTrip(s, 'hello')).toBe('hello');
    proxy.delayMs = 30;
    const s2 = await open(proxy.port);
    const sent = Array.from({ length: 20 }, (_, i) => `${i};`).join('');
    // Delayed chunk by chunk, and still in order (no timing is asserted: that is for benchmarks).
    expect(await roundTrip(s2, sent)).toBe(sent);
  });

  test('reset() cuts every open connection with a reset', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    const s = await open(proxy.port);
    await roundTrip(s, 'x');
    const ended = closedOrReset(s);
    proxy.reset();
    expect(await ended).toBe('ECONNRESET');
    expect(proxy.connections).toBe(0);
  });

  test('blackhole() is a partition: bytes on open connections are dropped, new connections time out', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    const old = await open(proxy.port);
    await roundTrip(old, 'before');
    await proxy.blackhole();
    expect(await probeTcp('127.0.0.1', proxy.port, 500)).toBe('timeout');
    let heard = '';
    old.on('data', (d: Buffer) => (heard += d.toString()));
    const swallowed = new Promise<void>((resolve) => proxy.on('dropped', () => proxy.droppedBytes >= 4 && resolve()));
    old.write('lost');
    await swallowed;
    // Healed, the link carries new traffic; what the partition swallowed never arrives.
    await proxy.pass();
    const after = await open(proxy.port);
    expect(await roundTrip(after, 'after')).toBe('after');
    expect(heard).toBe('');
  });

  test('refuse() closes the port to new connections; open ones live on', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    const old = await open(proxy.port);
    await proxy.refuse();
    expect(await probeTcp('127.0.0.1', proxy.port, 2000)).toBe('refused');
    expect(await roundTrip(old, 'still')).toBe('still');
    await proxy.pass();
    expect(await probeTcp('127.0.0.1', proxy.port, 2000)).toBe('open');
  });

  test('follows its target: when the target refuses, the proxy port refuses too, until the target is back', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    await new Promise((r) => target.server.close(r));
    servers.splice(servers.indexOf(target.server), 1);
    // The first connection meets the refusal (accepted by the proxy, then reset) ...
    const first = await open(proxy.port);
    expect(await closedOrReset(first)).toMatch(/ECONNRESET|closed/);
    // ... after which the proxy's own port refuses.
    expect(await probeTcp('127.0.0.1', proxy.port, 2000)).toBe('refused');
    // pass() looks at the target at once: back on its port, the proxy reopens.
    await echo(target.port);
    await proxy.pass();
    expect(await roundTrip(await open(proxy.port), 'back')).toBe('back');
  });

  test('whenTargetDown = blackhole: once the target stops answering, the link is partitioned', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    proxy.whenTargetDown = 'blackhole';
    await new Promise((r) => target.server.close(r));
    servers.splice(servers.indexOf(target.server), 1);
    await proxy.pass(); // sees the target down
    expect(await probeTcp('127.0.0.1', proxy.port, 500)).toBe('timeout');
    proxy.whenTargetDown = 'mirror';
    await proxy.pass();
    expect(await probeTcp('127.0.0.1', proxy.port, 2000)).toBe('refused');
  });

  test('the way into a partition never refuses: the listening socket is handed over, not closed and bound again', async () => {
    const target = await echo();
    const proxy = await proxyTo(target.port);
    // Probes back to back while the partition sets in (a refusal then would read as "sshd is off").
    const seen = new Set<string>();
    let partitioned = false;
    const probing = (async () => {
      while (!partitioned) seen.add(await probeTcp('127.0.0.1', proxy.port, 300));
    })();
    await proxy.blackhole();
    partitioned = true;
    await probing;
    expect(seen.has('refused')).toBe(false);
    expect(await probeTcp('127.0.0.1', proxy.port, 300)).toBe('timeout');
  });
});
