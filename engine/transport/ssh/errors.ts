// Turns ssh2 and socket errors into PlayErrors that name the host, the hop and what failed
// (DNS, refused, timeout, dropped), with `retryable` decided here, where the cause is known.
import { PlayError } from '../../errors.js';
import type { Endpoint } from './route.js';

/** Which hop of which host an error is about. */
export interface HopContext {
  /** The inventory host the transport is for (PlayError.host). */
  host: string;
  hop: Endpoint;
  /** True when the hop is a jump host in front of the target. */
  jump: boolean;
}

export function describeHop(ctx: HopContext): string {
  const where = `${ctx.hop.user}@${ctx.hop.hostname}:${ctx.hop.port}`;
  return ctx.jump ? `${ctx.host}: jump host ${ctx.hop.label} (${where})` : `${ctx.host} (${where})`;
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/** Map an error raised while connecting or on a live connection. */
export function mapConnectionError(err: unknown, ctx: HopContext, phase: 'connect' | 'drop'): PlayError {
  if (err instanceof PlayError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2Error;
  const at = describeHop(ctx);
  const make = (what: string, retryable: boolean): PlayError =>
    new PlayError(`${at}: ${what}`, { code: 'E_CONNECT', host: ctx.host, retryable, cause: e });
  switch (e.code) {
    case 'ENOTFOUND':
      return make(`cannot resolve host name ${ctx.hop.hostname} (DNS: not found)`, false);
    case 'EAI_AGAIN':
      return make(`cannot resolve host name ${ctx.hop.hostname} (DNS: temporary failure)`, true);
    case 'ECONNREFUSED':
      return make(`connection refused on port ${ctx.hop.port} (is sshd running?)`, true);
    case 'ETIMEDOUT':
      return make('connection timed out', true);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(`network unreachable (${e.code})`, true);
    case 'ECONNRESET':
    case 'EPIPE':
      return make(phase === 'connect' ? 'connection reset during the handshake' : 'connection reset', true);
    default:
      break;
  }
  if (e.level === 'client-timeout') {
    return /keepalive/i.test(e.message)
      ? make('connection lost (keepalive timeout)', true)
      : make(`timed out waiting for the SSH handshake after ${ctx.hop.connectTimeoutMs} ms`, true);
  }
  if (e.level === 'client-authentication') {
    return new PlayError(`${at}: authentication failed`, { code: 'E_AUTH', host: ctx.host, cause: e });
  }
  if (e.level === 'protocol' || e.level === 'handshake') {
    return make(`SSH protocol error: ${e.message}`, phase === 'drop');
  }
  return make(phase === 'connect' ? `cannot connect: ${e.message}` : `connection lost: ${e.message}`, true);
}

export function droppedError(ctx: HopContext, reason?: PlayError): PlayError {
  if (reason) return reason;
  return new PlayError(`${describeHop(ctx)}: connection lost`, { code: 'E_CONNECT', host: ctx.host, retryable: true });
}
