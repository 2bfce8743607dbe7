// One live connection to a host (through its jump hosts): the client every exec and SFTP
// transfer shares, the session cap, and the drop notification that fails in-flight commands
// with a retryable E_CONNECT.
import type { Duplex } from 'node:stream';
import type { Client, SFTPWrapper } from 'ssh2';
import { PlayError } from '../../errors.js';
import { droppedError, mapConnectionError, type HopContext } from './errors.js';
import { openHop, type OpenHopOptions } from './hop.js';
import { proxyCommandSocket } from './proxy-command.js';
import type { Route } from './route.js';
import { Semaphore } from './semaphore.js';

/** Sessions open at once per connection: sshd's MaxSessions is 10, one is kept for SFTP. */
const MAX_EXEC_SESSIONS = 8;

export type DropListener = (err: PlayError) => void;

export class Link {
  readonly sessions = new Semaphore(MAX_EXEC_SESSIONS);
  private alive = true;
  private closing = false;
  private reason: PlayError | undefined;
  private readonly listeners = new Set<DropListener>();
  private sftpSession: Promise<SFTPWrapper> | undefined;
  /** Per-connection facts learned once (e.g. whether sudo needs a password). */
  readonly memo = new Map<string, Promise<unknown>>();
  private readonly closed: Promise<void>[];

  constructor(
    readonly client: Client,
    private readonly hops: { client: Client; ctx: HopContext }[],
    private readonly targetCtx: HopContext,
    private readonly onLost: (err: PlayError) => void,
  ) {
    this.closed = hops.map(({ client: c }) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    for (const hop of hops) {
      hop.client.on('error', (err: Error) => {
        this.reason ??= mapConnectionError(err, hop.ctx, 'drop');
      });
      hop.client.on('end', () => this.drop());
      hop.client.on('close', () => this.drop());
    }
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get host(): string {
    return this.targetCtx.host;
  }

  /** Called when the connection is lost (not when we close it). Returns an unsubscribe. */
  onDrop(listener: DropListener): () => void {
    if (!this.alive) {
      listener(this.dropReason());
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dropReason(): PlayError {
    if (this.closing) {
      return new PlayError(`${this.targetCtx.host}: the connection was closed`, {
        code: 'E_CONNECT',
        host: this.targetCtx.host,
        retryable: true,
      });
    }
    return droppedError(this.targetCtx, this.reason);
  }

  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          this.sftpSession = undefined;
          reject(
            this.alive
              ? new PlayError(`${this.targetCtx.host}: cannot start SFTP: ${err.message}`, {
                  code: 'E_CONNECT',
                  host: this.targetCtx.host,
                  retryable: true,
                })
              : this.dropReason(),
          );
          return;
        }
        const reset = (): void => {
          this.sftpSession = undefined;
        };
        sftp.on('close', reset);
        sftp.on('error', reset);
        resolve(sftp);
      });
    });
    return this.sftpSession;
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    this.closing = true;
    for (const { client } of [...this.hops].reverse()) client.end();
    await Promise.all(this.closed);
    this.drop();
  }

  private drop(): void {
    if (!this.alive) return;
    this.alive = false;
    this.sftpSession = undefined;
    for (const { client } of this.hops) client.end();
    const err = this.dropReason();
    for (const listener of this.listeners) listener(err);
    this.listeners.clear();
    if (!this.closing) this.onLost(err);
  }
}

export interface OpenRouteOptions extends Omit<OpenHopOptions, 'ctx' | 'sock'> {
  host: string;
  /** Where a ProxyCommand's stderr lines go. */
  log?: (message: string) => void;
}

/** Connect hop by hop: each jump host opens a direct-tcpip tunnel to the next. */
export async function openRoute(route: Route, options: OpenRouteOptions): Promise<{ client: Client; hops: { client: Client; ctx: HopContext }[] }> {
  const hops: { client: Client; ctx: HopContext }[] = [];
  const all = [...route.jumps, route.target];
  try {
    for (let i = 0; i < all.length; i++) {
      const hop = all[i];
      if (!hop) continue;
      const ctx: HopContext = { host: options.host, hop, jump: i < route.jumps.length };
      const previous = hops[hops.length - 1];
      const proxy = !previous && hop.proxyCommand ? proxyCommandSocket(hop.proxyCommand, ctx, options.log) : undefined;
      const sock = previous ? await tunnel(previous, ctx) : proxy?.socket;
      const client = await openHop({ ...options, ctx, ...(sock ? { sock } : {}), ...(proxy ? { sockFailure: proxy.failure, sockEnded: proxy.ended } : {}) });
      hops.push({ client, ctx });
    }
  } catch (err) {
    for (const { client } of hops.reverse()) client.end();
    throw err;
  }
  const last = hops[hops.length - 1];
  if (!last) throw new PlayError(`${options.host}: nothing to connect to`, { code: 'E_CONNECT', host: options.host });
  return { client: last.client, hops };
}

function tunnel(previous: { client: Client; ctx: HopContext }, next: HopContext): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    previous.client.forwardOut('127.0.0.1', 0, next.hop.hostname, next.hop.port, (err, stream) => {
      if (err) {
        reject(
          new PlayError(
            `${next.host}: jump host ${previous.ctx.hop.label} could not open a tunnel to ${next.hop.hostname}:${next.hop.port} (${err.message})`,
            { code: 'E_CONNECT', host: next.host, retryable: true, cause: err },
          ),
        );
        return;
      }
      resolve(stream);
    });
  });
}
