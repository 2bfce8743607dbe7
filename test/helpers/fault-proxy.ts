// A TCP fault proxy for tests: put it between the controller and a lab node (point the
// inventory's port at it) to make the link misbehave on cue — reset every connection, black-hole
// it (a partition: nothing passes, nothing is answered), slow it down, or refuse new connections.
// Loopback only (it listens on 127.0.0.1). Stopped by close(), which tests call in afterEach.
//
// While passing traffic it follows its target the way a port forward does: when the target
// refuses a connection, the client's connection is reset and the proxy's own port closes until
// the target accepts again, so a stopped sshd behind the proxy looks stopped from the controller
// (after at most one connection that is accepted and then reset).
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode =
  /** Forward both ways (after `delayMs` per chunk); mirror the target's refusals. */
  | 'pass'
  /** Partition: connections are accepted and kept open, but no byte passes either way. */
  | 'blackhole'
  /** The port refuses new connections (connections already open live on). */
  | 'refuse';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/** Emits `dropped` (bytes) whenever a partition swallows a chunk. */
export class FaultProxy extends EventEmitter {
  readonly host = '127.0.0.1';
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private modeNow: ProxyMode = 'pass';
  private targetDown = false;
  private watcher: NodeJS.Timeout | undefined;
  private closed = false;
  /** What new connections meet once the target refused one, in `pass` mode: `mirror` (the
   * default) closes the proxy's port as well; `blackhole` keeps it open and silent — a link that
   * dies exactly when the target stops answering. Connections already open are not affected. */
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

  /** Listen on a free port of 127.0.0.1, forwarding to target. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort, 0);
    await proxy.listen();
    return proxy;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  /** Forward again; resolves once the proxy's port reflects the target (open or refusing). */
  async pass(): Promise<void> {
    this.modeNow = 'pass';
    this.targetDown = !(await this.targetAccepts());
    if (this.targetDown && this.whenTargetDown !== 'blackhole') await this.unlisten();
    else await this.listen();
    if (this.targetDown) this.watchTarget();
  }

  /** Partition: from now on no byte passes in either direction, on old and new connections. */
  async blackhole(): Promise<void> {
    this.modeNow = 'blackhole';
    await this.listen();
  }

  /** Refuse new connections (the port closes); open connections are left alone. */
  async refuse(): Promise<void> {
    this.modeNow = 'refuse';
    await this.unlisten();
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
    this.reset();
    await this.unlisten();
  }

  private listen(): Promise<void> {
    if (this.server || this.closed) return Promise.resolve();
    const server = createServer((client) => this.onClient(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
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

  private onClient(client: Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => this.drop(pair, false));
    client.on('close', () => this.drop(pair, false));
    // Data is read from the start so that what arrives during a partition is dropped, not
    // delivered later.
    client.on('data', (chunk: Buffer) => this.forward(pair, 'up', chunk));
    if (this.modeNow === 'blackhole' || (this.targetDown && this.whenTargetDown === 'blackhole')) return;
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
    if (this.modeNow === 'blackhole' || (direction === 'up' && !pair.upstream)) return this.swallow(chunk);
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
    if (this.targetDown || this.modeNow !== 'pass') return;
    this.targetDown = true;
    if (this.whenTargetDown !== 'blackhole') void this.unlisten();
    this.watchTarget();
  }

  /** While the target is down, look every 50 ms whether it is back, and reopen when it is. */
  private watchTarget(): void {
    if (this.watcher || this.closed) return;
    this.watcher = setInterval(() => {
      void this.targetAccepts().then(async (up) => {
        if (!up || this.closed || !this.watcher) return;
        clearInterval(this.watcher);
        this.watcher = undefined;
        this.targetDown = false;
        if (this.modeNow === 'pass') await this.listen();
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
