// The lazy, self-healing connection of one host: opened on first use, shared by every caller,
// and reopened on the next use after a drop (the dropped attempt already failed retryably).
import type { PlayError } from '../../errors.js';
import type { AuthDeps } from './auth.js';
import type { HostKeyPolicy } from './host-keys.js';
import { Link, openRoute } from './link.js';
import type { Route } from './route.js';

export interface ConnectionOptions {
  host: string;
  /** Resolved on first use (reads ~/.ssh/config then). */
  route: () => Route;
  /** Resolves the route without blocking (before `route` is first called), when it can. */
  prepareRoute?: () => Promise<void>;
  auth: AuthDeps;
  policy: HostKeyPolicy;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  signal?: AbortSignal;
  log: (message: string) => void;
}

export class Connection {
  private link: Link | undefined;
  private connecting: Promise<Link> | undefined;
  private connectedOnce = false;
  private cachedRoute: Route | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  /** The live link, if there is one now (no waiting). */
  live(): Link | undefined {
    return this.link?.isAlive ? this.link : undefined;
  }

  /** The live link, connecting (or reconnecting) when there is none. */
  get(): Promise<Link> {
    if (this.link?.isAlive) return Promise.resolve(this.link);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Resolve the route now (ssh -G without blocking); a failure is reported when connecting. */
  async prepare(): Promise<void> {
    if (this.cachedRoute) return;
    try {
      await this.options.prepareRoute?.();
    } catch {
      // open() resolves it again and reports the error there.
    }
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    if (pending) await pending.then((l) => l.close(), () => undefined);
    await this.link?.close();
    this.link = undefined;
  }

  private async open(): Promise<Link> {
    const { host, log } = this.options;
    if (!this.cachedRoute) await this.options.prepareRoute?.();
    this.cachedRoute ??= this.options.route();
    const route = this.cachedRoute;
    const first = route.jumps[0] ?? route.target;
    const via =
      route.jumps.length > 0
        ? ` via ${route.jumps.map((j) => j.label).join(' → ')}`
        : first.proxyCommand
          ? ` via ProxyCommand ${first.proxyCommand}`
          : '';
    const where = `${route.target.user}@${route.target.hostname}:${route.target.port}${via}`;
    log(this.connectedOnce ? `reconnecting to ${where}` : `connecting to ${where}`);
    const { client, hops } = await openRoute(route, {
      host,
      auth: this.options.auth,
      policy: this.options.policy,
      keepaliveIntervalMs: this.options.keepaliveIntervalMs,
      keepaliveCountMax: this.options.keepaliveCountMax,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      log,
    });
    const link = new Link(client, hops, { host, hop: route.target, jump: false }, (err: PlayError) => {
      log(`connection lost: ${err.message}`);
    });
    this.link = link;
    log(this.connectedOnce ? `reconnected to ${where}` : `connected to ${where}`);
    this.connectedOnce = true;
    return link;
  }
}
