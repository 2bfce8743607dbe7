// Connection errors become PlayErrors naming host and hop, with retryable decided by cause.
import { describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import { describeHop, mapConnectionError, type HopContext } from '../../../engine/transport/ssh/errors.js';
import type { Endpoint } from '../../../engine/transport/ssh/route.js';

const hop: Endpoint = {
  label: 'bastion',
  hostname: 'jump.example',
  port: 2222,
  user: 'ops',
  identityFiles: [],
  useAgent: false,
  knownHostsFile: '/kh',
  connectTimeoutMs: 1000,
};
const target: HopContext = { host: 'cp-1', hop: { ...hop, label: 'cp-1', hostname: '10.0.0.1', port: 22, user: 'root' }, jump: false };
const viaJump: HopContext = { host: 'cp-1', hop, jump: true };

function err(props: Record<string, unknown>, message = 'boom'): Error {
  return Object.assign(new Error(message), props);
}

describe('mapConnectionError', () => {
  it.each<[string, Error, string, boolean, string]>([
    ['DNS failure', err({ code: 'ENOTFOUND' }), 'E_CONNECT', false, 'cannot resolve host name 10.0.0.1'],
    ['DNS temporary failure', err({ code: 'EAI_AGAIN' }), 'E_CONNECT', true, 'temporary failure'],
    ['refused', err({ code: 'ECONNREFUSED' }), 'E_CONNECT', true, 'connection refused on port 22'],
    ['TCP timeout', err({ code: 'ETIMEDOUT' }), 'E_CONNECT', true, 'timed out'],
    ['unreachable', err({ code: 'EHOSTUNREACH' }), 'E_CONNECT', true, 'unreachable'],
    ['handshake timeout', err({ level: 'client-timeout' }, 'Timed out while waiting for handshake'), 'E_CONNECT', true, 'SSH handshake after 1000 ms'],
    ['keepalive', err({ level: 'client-timeout' }, 'Keepalive timeout'), 'E_CONNECT', true, 'keepalive'],
    ['auth', err({ level: 'client-authentication' }), 'E_AUTH', false, 'authentication failed'],
  ])('%s', (_t, e, code, retryable, text) => {
    const mapped = mapConnectionError(e, target, 'connect');
    expect(mapped).toBeInstanceOf(PlayError);
    expect(mapped).toMatchObject({ code, retryable, host: 'cp-1' });
    expect(mapped.message).toContain(text);
    expect(mapped.message.startsWith('cp-1 (root@10.0.0.1:22): ')).toBe(true);
  });

  it('names the jump host when the failing hop is one', () => {
    expect(describeHop(viaJump)).toBe('cp-1: jump host bastion (ops@jump.example:2222)');
    expect(mapConnectionError(err({ code: 'ECONNREFUSED' }), viaJump, 'connect').message).toContain('jump host bastion');
  });

  it('passes a PlayError through unchanged', () => {
    const p = new PlayError('x', { code: 'E_HOSTKEY' });
    expect(mapConnectionError(p, target, 'connect')).toBe(p);
  });
});
