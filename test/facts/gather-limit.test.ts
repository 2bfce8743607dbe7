// A large inventory is asked a bounded number of hosts at a time, every host still answered,
// and a script that times out or prints something else is a clear per-host error.
import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../../engine/facts/gather.js';
import { SECTION_MARK } from '../../engine/facts/script.js';
import type { Host } from '../../engine/model.js';
import type { ExecResult, Transport } from '../../engine/transport/types.js';

const host = (name: string): Host => ({ name, address: '10.0.0.1', internalAddress: '10.0.0.1', port: 22, user: 'root', roles: [], vars: {}, transport: 'ssh' });
const result = (r: Partial<ExecResult>): ExecResult => ({ command: 'x', exitCode: 0, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...r });

describe('gathering on many hosts', () => {
  it('asks at most `concurrency` hosts at once and answers for every host, in order', async () => {
    let inFlight = 0;
    let most = 0;
    const transport = (name: string): Transport => ({
      host: name,
      async exec() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return result({ stdout: `${SECTION_MARK} uname\n${name} 6.1.0 x86_64\n${SECTION_MARK} end\n` });
      },
      upload: () => Promise.reject(new Error('no')),
      download: () => Promise.reject(new Error('no')),
      close: async () => undefined,
    });
    const hosts = Array.from({ length: 40 }, (_, i) => host(`h${i}`));
    const out = await gatherFacts({ hosts, transportFor: transport, request: () => ({ internalAddress: '10.0.0.1', apt: false, paths: [] }), signal: new AbortController().signal, concurrency: 5 });
    expect(most).toBe(5);
    expect([...out.keys()]).toEqual(hosts.map((h) => h.name));
    expect([...out.values()].map((r) => (r.ok ? r.facts.hostname : r.message))).toEqual(hosts.map((h) => h.name));
  });

  it('a script that timed out, or output that is not the facts, is that host\'s error', async () => {
    const answers: Record<string, ExecResult> = {
      slow: result({ timedOut: true, exitCode: undefined, signal: 'SIGTERM' }),
      csh: result({ exitCode: 1, stderr: 'Illegal variable name.\n' }),
    };
    const transport = (name: string): Transport => ({
      host: name,
      exec: async () => answers[name]!,
      upload: () => Promise.reject(new Error('no')),
      download: () => Promise.reject(new Error('no')),
      close: async () => undefined,
    });
    const out = await gatherFacts({ hosts: [host('slow'), host('csh')], transportFor: transport, request: () => ({ internalAddress: 'x', apt: false, paths: [] }), signal: new AbortController().signal, timeoutMs: 1500 });
    expect(out.get('slow')).toEqual({ ok: false, code: 'E_TIMEOUT', message: 'the facts script did not finish within 2 s' });
    expect(out.get('csh')).toEqual({ ok: false, code: 'E_STEP', message: 'the facts script printed nothing it could read (exit 1: Illegal variable name.)' });
  });
});
