import { describe, expect, test } from 'vitest';
import { clusterInfoFor, internalAddressFor, planNodes, randomSubnet } from '../../lab/topology.js';
import { parseLabDuration } from '../../lab/clock.js';

describe('lab topology', () => {
  test('a fresh lab has the master and one worker by default, on its own /24', () => {
    const nodes = planNodes([], {}, '127.180.7');
    expect(nodes.map((n) => [n.name, n.role, n.internalAddress])).toEqual([
      ['cp-1', 'master', '127.180.7.1'],
      ['worker-1', 'worker', '127.180.7.2'],
    ]);
    expect(clusterInfoFor(nodes).controlPlaneEndpoint).toBeUndefined();
  });

  test('control planes besides the master, workers and LBs get their names and distinct addresses; LBs bring the VIP', () => {
    const nodes = planNodes([], { controlPlanes: 2, workers: 3, lbs: 2 }, '127.180.7');
    expect(nodes.map((n) => n.name)).toEqual(['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3', 'lb-1', 'lb-2']);
    expect(nodes.map((n) => n.role)).toEqual(['master', 'control-plane', 'control-plane', 'worker', 'worker', 'worker', 'lb', 'lb']);
    expect(new Set(nodes.map((n) => n.internalAddress)).size).toBe(8);
    expect(clusterInfoFor(nodes, '127.180.7')).toMatchObject({ vip: '127.180.7.100', controlPlaneEndpoint: '127.180.7.100:8443', kubeVersion: 'v1.28.3', registry: 'registry.local' });
    expect(clusterInfoFor(nodes, '127.180.7')).not.toHaveProperty('platform');
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

  test('no node ever gets the VIP address, even in a large lab; a lab made before per-lab addresses keeps 127.0.1.N', () => {
    const addrs = Array.from({ length: 300 }, (_, i) => internalAddressFor(i, '127.180.7'));
    expect(addrs).not.toContain('127.180.7.100');
    expect(new Set(addrs).size).toBe(300);
    expect(addrs[250]).toBe('127.180.8.2');
    expect(internalAddressFor(0)).toBe('127.0.1.1');
  });

  test('a random /24 stays inside 127.0.0.0/8, clear of 127.0.0.0/16, with room to grow', () => {
    for (let i = 0; i < 200; i++) {
      const [a, b, c, d] = randomSubnet().split('.').map(Number);
      expect(a).toBe(127);
      expect(b).toBeGreaterThanOrEqual(100);
      expect(b).toBeLessThan(250);
      expect(c).toBeLessThan(240);
      expect(d).toBeUndefined();
    }
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
