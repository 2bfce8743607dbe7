// Opens one authenticated ssh2 connection to one hop (directly, or over a tunnel from the
// previous hop), checking its host key first. Nagle is turned off at once: with it, every
// exec round trip on loopback costs ~45 ms more (LIBRARY-FACTS §3).
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig, VerifyCallback } from 'ssh2';
import { PlayError } from '../../errors.js';
import { abortError } from './abort.js';
import { authError, authHandler, planAuth, type AuthDeps } from './auth.js';
import { describeHop, mapConnectionError, type HopContext } from './errors.js';
import { checkHostKey, loadKnownHosts, preferredHostKeyAlgorithms, type HostKeyPolicy } from './host-keys.js';

const { Client } = ssh2;

export interface OpenHopOptions {
  ctx: HopContext;
  /** A tunnel from the previous hop, or a ProxyCommand's stdio; undefined to connect over TCP. */
  sock?: Duplex;
  /** Why `sock` ended, when its far side said (a ProxyCommand that exited)… */
  sockFailure?: () => PlayError | undefined;
  /** …known once this settles. */
  sockEnded?: Promise<void>;
  auth: AuthDeps;
  policy: HostKeyPolicy;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  signal?: AbortSignal;
}

export async function openHop(options: OpenHopOptions): Promise<ClientType> {
  const { ctx, signal } = options;
  const ep = ctx.hop;
  if (signal?.aborted) throw abortError(ctx.host, 'connect');
  const entries = await loadKnownHosts(ep.knownHostsFile);
  const plan = await planAuth(ep, options.auth);
  const tried: string[] = [];
  let authStarted = false;
  let hostKeyError: PlayError | undefined;
  const client = new Client();
  const handler = authHandler(plan, tried);

  return new Promise<ClientType>((resolve, reject) => {
    let settled = false;
    const finish = (err?: PlayError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      if (err) {
        client.on('error', () => undefined); // late errors after we gave up must not crash
        client.end();
        options.sock?.destroy();
        reject(err);
      } else {
        resolve(client);
      }
    };
    const onAbort = (): void => finish(abortError(ctx.host, 'connect'));
    // When a ProxyCommand carries the connection, its own exit says more than ssh2's "connection
    // lost": wait (briefly) for it before choosing the error.
    const finishLost = (fallback: PlayError): void => {
      if (!options.sockEnded) return finish(fallback);
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      void Promise.race([options.sockEnded, grace]).then(() => finish(options.sockFailure?.() ?? fallback));
    };
    const onReady = (): void => finish();
    signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', onReady);
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      if (hostKeyError) return finish(hostKeyError);
      if (err.level === 'client-authentication' || (authStarted && err.level === undefined && /auth/i.test(err.message))) {
        return finish(authError(ctx, plan, tried, err));
      }
      finishLost(mapConnectionError(err, ctx, 'connect'));
    });
    client.once('close', () => {
      if (hostKeyError) return finish(hostKeyError);
      finishLost(
        new PlayError(`${describeHop(ctx)}: the server closed the connection during the handshake`, {
          code: 'E_CONNECT',
          host: ctx.host,
          retryable: true,
        }),
      );
    });

    const preferred = preferredHostKeyAlgorithms(entries, ep);
    const config: ConnectConfig = {
      username: ep.user,
      authHandler: (authsLeft, partial, next) => {
        authStarted = true;
        handler(authsLeft, partial, next);
      },
      hostVerifier: (key: Buffer, verify: VerifyCallback): void => {
        checkHostKey(ctx, entries, key, options.policy).then(
          (err) => {
            hostKeyError = err;
            verify(err === undefined);
          },
          (err: unknown) => {
            hostKeyError = err instanceof PlayError ? err : new PlayError(String(err), { code: 'E_HOSTKEY', host: ctx.host });
            verify(false);
          },
        );
      },
      readyTimeout: ep.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax,
      ...(preferred.length > 0 ? { algorithms: { serverHostKey: { prepend: preferred } } } : {}),
      ...(options.sock ? { sock: options.sock } : { host: ep.hostname, port: ep.port }),
    } as ConnectConfig;
    // A ProxyCommand may have ended while the keys were read: its socket is gone already.
    if (options.sock?.destroyed) {
      finishLost(new PlayError(`${describeHop(ctx)}: the connection closed before the SSH handshake`, { code: 'E_CONNECT', host: ctx.host, retryable: true }));
      return;
    }
    try {
      client.connect(config);
    } catch (err) {
      finish(mapConnectionError(err, ctx, 'connect'));
      return;
    }
    client.setNoDelay(true);
  });
}
