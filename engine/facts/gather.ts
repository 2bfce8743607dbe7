// Gathering: the facts script on every host at once (at most `concurrency` connections being
// opened and asked at a time), over each host's one transport (the same connection the steps
// will use), parsed on the controller. A host that cannot be reached or whose answer cannot be
// read gets an error instead of facts; nothing stops the other hosts.
import { PlayError, errorMessage } from '../errors.js';
import type { Host } from '../model.js';
import type { Transport } from '../transport/types.js';
import { FactsParseError, parseFacts } from './parse.js';
import { factsScript } from './script.js';
import type { FactsRequest, HostFacts } from './types.js';

export type GatherResult = { ok: true; facts: HostFacts } | { ok: false; code: string; message: string };

export interface GatherOptions {
  hosts: readonly Host[];
  /** The host's transport (the pool's); may throw (a sealed host, say). */
  transportFor(host: string): Transport;
  request(host: Host): FactsRequest;
  signal: AbortSignal;
  now?: () => number;
  /** The script must answer within this (ms); default 60 s (a mirror probe may take 25 s). */
  timeoutMs?: number;
  /** Hosts asked at once (default 32): a large cluster does not open every connection at once. */
  concurrency?: number;
}

export async function gatherFacts(o: GatherOptions): Promise<Map<string, GatherResult>> {
  const now = o.now ?? Date.now;
  const entries = await mapLimit(
    o.hosts,
    o.concurrency ?? 32,
    async (host): Promise<[string, GatherResult]> => {
      try {
        const request = o.request(host);
        const transport = o.transportFor(host.name);
        const sentAt = now();
        const r = await transport.exec(factsScript(request), {
          ...(host.sudo ? { sudo: true } : {}),
          signal: o.signal,
          timeoutMs: o.timeoutMs ?? 60_000,
        });
        const receivedAt = now();
        if (r.timedOut) return [host.name, { ok: false, code: 'E_TIMEOUT', message: `the facts script did not finish within ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s` }];
        try {
          return [host.name, { ok: true, facts: parseFacts(r.stdout, { request, sentAt, receivedAt }) }];
        } catch (err) {
          if (!(err instanceof FactsParseError)) throw err;
          const why = r.stderr.trim().split('\n').slice(-3).join(' / ');
          return [host.name, { ok: false, code: 'E_STEP', message: `${err.message} (exit ${r.exitCode ?? r.signal}${why ? `: ${why}` : ''})` }];
        }
      } catch (err) {
        if (err instanceof PlayError && err.code === 'E_ABORTED') throw err;
        return [host.name, { ok: false, code: err instanceof PlayError ? err.code : 'E_CONNECT', message: errorMessage(err) }];
      }
    },
  );
  return new Map(entries);
}

/** `fn` over every item, at most `limit` at a time; results in the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
