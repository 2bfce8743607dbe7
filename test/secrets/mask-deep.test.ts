// maskDeep over events and error records: every string inside is masked, the value given is
// never changed, and parts with nothing to mask come back as they are (no copy per event).
import { describe, expect, it } from 'vitest';
import { Masker, REDACTED } from '../../engine/secrets/masker.js';

describe('maskDeep', () => {
  it('masks strings at any depth and leaves the value given untouched', () => {
    const m = new Masker();
    m.add('s3cret-value');
    const given = { type: 'step.output', line: 'pw=s3cret-value', nested: { list: ['a', 'x s3cret-value y', 3, null], n: 1 }, clean: { ok: true } };
    const before = structuredClone(given);
    const out = m.maskDeep(given);
    expect(given).toEqual(before);
    expect(out).toEqual({ type: 'step.output', line: `pw=${REDACTED}`, nested: { list: ['a', `x ${REDACTED} y`, 3, null], n: 1 }, clean: { ok: true } });
    expect(out.nested).not.toBe(given.nested);
    expect(out.nested.list).not.toBe(given.nested.list);
    expect(out.clean).toBe(given.clean);
  });

  it('gives back the very value when nothing in it shows a secret', () => {
    const m = new Masker();
    m.add('s3cret-value');
    const given = { a: 'plain', b: [1, 'two', { c: 'three' }] };
    expect(m.maskDeep(given)).toBe(given);
    // A shape secret (a kubeadm token) is masked without being registered.
    expect(m.maskDeep({ t: 'join abcdef.0123456789abcdef' })).toEqual({ t: `join ${REDACTED}` });
  });
});
