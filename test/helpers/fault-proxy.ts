// A TCP fault proxy for tests: put it between the controller and a lab node (point the
// inventory's port at it) to make the link misbehave on cue — reset every connection, partition
// it, slow it down, or refuse new connections. Loopback only (it listens on 127.0.0.1). Stopped
// by close(), which tests call in afterEach; the one helper process it may start is killed by pid.
//
// A partition is a real one at the TCP level: bytes on open connections are dropped, and new
// connections time out (the listening socket itself is handed to a helper process that stops,
// and its accept queue is filled, so the kernel drops the SYNs) — no iptables, no root. The
// socket is handed over, never closed and bound again, so the port never refuses on the way
// into a partition.
//
// While passing traffic it follows its target the way a port forward does: when the target
// refuses a connection, the client's connection is reset and the proxy's own port refuses too
// until the target accepts again, so a stopped sshd behind the proxy looks stopped from the
// controller (after at most one connection that is accepted and then reset).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode =
  /** Forward both ways (after `delayMs` per chunk); mirror the target's refusals. */
  | 'pass'
  /** Partition: nothing passes on open connections, and new ones time out. */
  | 'blackhole'
  /** The port refuses new connections (connections already open live on). */
  | 'refuse';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/** A listener nobody accepts from: a stopped process holding the port, its queue filled. */
interface Sink {
  child: ChildProcess;
  fillers: Socket[];
}

/** Emits `dropped` (bytes) whenever a partition swallows a chunk. */
export class FaultProxy extends EventEmitter {
  readonly host = '127.0.0.1';
  private server: Server | undefined;
  private sink: Sink | undefined;
  private readonly pairs = new Set<Pair>();
  private modeNow: ProxyMode = 'pass';
  private targetDown = false;
  private watcher: NodeJS.Timeout | undefined;
  private closed = false;
  /** Mode changes, one after another (each may start or stop the sink). */
  private queue: Promise<void> = Promise.resolve();
  /** What new connections meet once the target refused one, in `pass` mode: `mirror` (the
   * default) closes the proxy's port as well; `blackhole` partitions the link instead — a link
   * that dies exactly when the target stops answering. Open connections are not affected. */
  whenTargetDown: 'mirror' | 'blackhole' = 'mirror';
  /** Delay added to every chunk in each direction (a slow link). */
  delayMs = 0;
  /** Connections accepted so far (counted from start). */
  accepted = 0;
  /** Bytes a partition swallowed so far. */
  droppedBytes = 0;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
    public port: number,
  ) {
    super();
  }

  /** Listen on a free port of 127.0.0.1, forwarding to the target. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort, 0);
    await proxy.listen();
    return proxy;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  /** Forward again; resolves once the proxy's port reflects the target (open, refusing, or —
   * with whenTargetDown = blackhole — partitioned). */
  pass(): Promise<void> {
    return this.serially(async () => {
      this.modeNow = 'pass';
      this.targetDown = !(await this.targetAccepts());
      if (this.targetDown) {
        if (this.whenTargetDown === 'blackhole') await this.partitionPort();
        else await this.closePort();
        this.watchTarget();
      } else {
        await this.openPort();
      }
    });
  }

  /** Partition: from now on no byte passes on open connections, and new connections time out. */
  blackhole(): Promise<void> {
    return this.serially(async () => {
      this.modeNow = 'blackhole';
      await this.partitionPort();
    });
  }

  /** Refuse new connections (the port closes); open connections are left alone. */
  refuse(): Promise<void> {
    return this.serially(async () => {
      this.modeNow = 'refuse';
      await this.closePort();
    });
  }

  /** Reset (RST) every open connection, on both sides. */
  reset(): void {
    for (const p of this.pairs) this.drop(p, true);
  }

  /** Open connections right now. */
  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
    await this.queue.catch(() => undefined);
    this.reset();
    await this.stopSink();
    await this.unlisten();
  }

  private serially(change: () => Promise<void>): Promise<void> {
    const next = this.queue.catch(() => undefined).then(() => (this.closed ? undefined : change()));
    this.queue = next;
    return next;
  }

  // ---- the port: open (our listener), closed (refusing), or partitioned (the sink) ----

  private async openPort(): Promise<void> {
    await this.stopSink();
    await this.listen();
  }

  private async closePort(): Promise<void> {
    await this.stopSink();
    await this.unlisten();
  }

  private async partitionPort(): Promise<void> {
    if (this.sink) return;
    if (!this.server) await this.listen();
    // The helper holds the socket before we let go of it: the port stays bound throughout.
    const sink = await startSink(this.server!);
    this.sink = sink;
    await this.unlisten();
    await fillQueue(sink, this.host, this.port);
  }

  private listen(): Promise<void> {
    if (this.server || this.closed) return Promise.resolve();
    const server = createServer((client) => this.onClient(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // A short accept queue, so a partition fills it with a few connections.
      server.listen({ port: this.port, host: this.host, backlog: BACKLOG }, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    // close() stops listening at once; its callback would wait for the open connections too.
    server.close();
    return new Promise((resolve) => setImmediate(resolve));
  }

  private async stopSink(): Promise<void> {
    const sink = this.sink;
    this.sink = undefined;
    if (!sink) return;
    for (const s of sink.fillers) s.destroy();
    if (sink.child.exitCode === null && sink.child.signalCode === null) {
      const gone = new Promise((resolve) => sink.child.once('exit', resolve));
      sink.child.kill('SIGKILL'); // also ends a stopped process
      await gone;
    }
  }

  // ---- traffic ----

  private onClient(client: Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => this.drop(pair, false));
    client.on('close', () => this.drop(pair, false));
    // Read from the start, so that what arrives during a partition is dropped, not delivered later.
    client.on('data', (chunk: Buffer) => this.forward(pair, 'up', chunk));
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('data', (chunk: Buffer) => this.forward(pair, 'down', chunk));
    upstream.on('close', () => this.drop(pair, false));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.onTargetRefused();
      this.drop(pair, true);
    });
  }

  private forward(pair: Pair, direction: 'up' | 'down', chunk: Buffer): void {
    if (this.modeNow === 'blackhole') return this.swallow(chunk);
    const to = direction === 'up' ? pair.upstream : pair.client;
    if (!to) return;
    const write = (): void => {
      if (this.modeNow === 'blackhole') return this.swallow(chunk);
      if (!to.destroyed) to.write(chunk);
    };
    // Timers with the same delay fire in the order they were set: chunk order is kept.
    if (this.delayMs > 0) setTimeout(write, this.delayMs);
    else write();
  }

  private swallow(chunk: Buffer): void {
    this.droppedBytes += chunk.length;
    this.emit('dropped', chunk.length);
  }

  private drop(pair: Pair, hard: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const s of [pair.client, pair.upstream]) {
      if (!s || s.destroyed) continue;
      if (hard) s.resetAndDestroy();
      else s.destroy();
    }
  }

  private onTargetRefused(): void {
    if (this.targetDown || this.modeNow !== 'pass' || this.closed) return;
    this.targetDown = true;
    void this.serially(async () => {
      if (this.modeNow !== 'pass' || !this.targetDown) return;
      if (this.whenTargetDown === 'blackhole') await this.partitionPort();
      else await this.closePort();
    });
    this.watchTarget();
  }

  /** While the target is down, look every 50 ms whether it is back, and reopen when it is. */
  private watchTarget(): void {
    if (this.watcher || this.closed) return;
    this.watcher = setInterval(() => {
      void this.targetAccepts().then((up) => {
        if (!up || this.closed || !this.watcher) return;
        clearInterval(this.watcher);
        this.watcher = undefined;
        this.targetDown = false;
        void this.serially(async () => {
          if (this.modeNow === 'pass' && !this.targetDown) await this.openPort();
        });
      });
    }, 50);
  }

  private targetAccepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect({ host: this.targetHost, port: this.targetPort }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  }
}

/** The listening socket's accept queue (Linux: full with BACKLOG + 1 connections waiting). */
const BACKLOG = 2;

/**
 * Hand the listening socket to a helper process (over IPC: the same socket, not a new one on the
 * same port) that then stops itself (SIGSTOP); resolves once it is stopped. From then on nobody
 * accepts on the port once the proxy closes its own copy.
 */
async function startSink(server: Server): Promise<Sink> {
  const code = "process.on('message', (m, handle) => { globalThis.held = handle; process.send('held', () => process.kill(process.pid, 'SIGSTOP')); });";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (c) => reject(new Error(`the partition helper exited (${c}): ${stderr.trim()}`)));
    // The raw handle (Node's `net.Native`), not the Server: a Server would be listened on again
    // in the child, with the default backlog of 511, and the queue would take 512 to fill.
    child.send('socket', (server as unknown as { _handle: object })._handle as never);
  });
  // Stopped: /proc says T. (It may have accepted a connection or two before: those stay open.)
  while (procState(child.pid!) !== 'T') await new Promise((r) => setTimeout(r, 5));
  child.disconnect();
  return { child, fillers: [] };
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * Connect until the accept queue is full: a connect that does not complete within half a second
 * found it full (its SYN is dropped), and so will every client's now.
 */
async function fillQueue(sink: Sink, host: string, port: number): Promise<void> {
  for (let i = 0; i < BACKLOG + 8; i++) {
    const completed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      const s = connect({ host, port }, () => {
        clearTimeout(timer);
        resolve(true);
      });
      s.on('error', () => {
        clearTimeout(timer);
        resolve(true);
      });
      sink.fillers.push(s);
    });
    if (!completed) return;
  }
}
