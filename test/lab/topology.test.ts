import { describe, expect, test } from 'vitest';
import { clusterInfoFor, internalAddressFor, planNodes } from '../../lab/topology.js';
import { parseLabDuration } from '../../lab/clock.js';

describe('lab topology', () => {
  test('a fresh lab has the master and one worker by default', () => {
    const nodes = planNodes([], {});
    expect(nodes.map((n) => [n.name, n.role, n.internalAddress])).toEqual([
      ['cp-1', 'master', '127.0.1.1'],
      ['worker-1', 'worker', '127.0.1.2'],
    ]);
    expect(clusterInfoFor(nodes).controlPlaneEndpoint).toBeUndefined();
  });

  test('control planes besides the master, workers and LBs get their names and distinct addresses; LBs bring the VIP', () => {
    const nodes = planNodes([], { controlPlanes: 2, workers: 3, lbs: 2 });
    expect(nodes.map((n) => n.name)).toEqual(['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3', 'lb-1', 'lb-2']);
    expect(nodes.map((n) => n.role)).toEqual(['master', 'control-plane', 'control-plane', 'worker', 'worker', 'worker', 'lb', 'lb']);
    expect(new Set(nodes.map((n) => n.internalAddress)).size).toBe(8);
    expect(clusterInfoFor(nodes)).toMatchObject({ vip: '127.0.1.100', controlPlaneEndpoint: '127.0.1.100:8443', kubeVersion: 'v1.28.3', registry: 'registry.local' });
    expect(clusterInfoFor(nodes)).not.toHaveProperty('platform');
  });

  test('an existing lab keeps its nodes (ports, addresses) and only grows', () => {
    const first = planNodes([], { workers: 1 }).map((n, i) => ({ ...n, port: 40000 + i }));
    expect(planNodes(first, {})).toEqual(first);
    expect(planNodes(first, { workers: 0 })).toEqual(first);
    const grown = planNodes(first, { workers: 2, lbs: 1 });
    expect(grown.slice(0, 2)).toEqual(first);
    expect(grown.slice(2).map((n) => [n.name, n.port])).toEqual([
      ['worker-2', 0],
      ['lb-1', 0],
    ]);
  });

  test('no node ever gets the VIP address, even in a large lab', () => {
    const addrs = Array.from({ length: 300 }, (_, i) => internalAddressFor(i));
    expect(addrs).not.toContain('127.0.1.100');
    expect(new Set(addrs).size).toBe(300);
  });
});

describe('lab clock durations', () => {
  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['3h', 10_800_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
  ])('%s', (text, ms) => expect(parseLabDuration(text)).toBe(ms));

  test.each(['', '3', 'h', '3x', '-1h', '3 h'])('rejects "%s"', (text) => expect(parseLabDuration(text)).toBeUndefined());
});
