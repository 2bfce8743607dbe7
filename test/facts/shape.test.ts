// Validation checks paths into host.facts against FACTS_SHAPE: it must know every field the
// parser produces, and nothing else.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFacts } from '../../engine/facts/parse.js';
import { FACTS_SHAPE, factPathProblem, type FactShape } from '../../engine/facts/shape.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/facts/${name}`, import.meta.url), 'utf8');

/** Every path of plain keys in a value, stopping at maps and lists of the shape. */
function paths(value: unknown, shape: FactShape, at: string[] = []): string[][] {
  if (shape === 'value' || shape === 'map' || shape === 'list') return [at];
  if (value === null || typeof value !== 'object') return [at];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const next = (shape as Record<string, FactShape>)[k];
    return next === undefined ? [[...at, k]] : paths(v, next, [...at, k]);
  });
}

describe('the shape of the facts', () => {
  it.each([
    ['debian12-controller.txt', '192.0.2.2', ['/etc/hosts']],
    ['alt-p10-node.txt', '10.10.0.10', ['/a', '/b', '/c']],
    ['minimal-host.txt', '172.17.0.3', []],
  ])('knows every field parsed from %s', (file, internalAddress, p) => {
    const f = parseFacts(fixture(file), { request: { internalAddress, apt: true, paths: p }, sentAt: 0, receivedAt: Date.now() * 2 });
    for (const path of paths(f, FACTS_SHAPE)) expect(factPathProblem(path, 'host.facts'), path.join('.')).toBeUndefined();
  });

  it('names the field that does not exist, and what does', () => {
    expect(factPathProblem(['intrenal', 'interface'], 'host.facts')).toMatch(/^host\.facts has no "intrenal" \(it has: gatheredAt, os, platform,/);
    expect(factPathProblem(['internal', 'iface'], 'hosts.lb-1.facts')).toBe('hosts.lb-1.facts.internal has no "iface" (it has: address, interface, prefix, subnet)');
    expect(factPathProblem(['kernel', 'major'], 'host.facts')).toBe('host.facts.kernel is a value, it has no "major"');
    expect(factPathProblem(['interfaces', 'ens3', 'addresses', '0', 'address'], 'host.facts')).toBeUndefined();
    expect(factPathProblem(['packages', 'podsec-k8s'], 'host.facts')).toBeUndefined();
  });
});
