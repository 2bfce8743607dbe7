// "Did you mean" picks the likely intent, and says nothing when no name is close.
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../engine/util/suggest.js';

describe('suggestions', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('shell', 'shlel')).toBe(1);
    expect(editDistance('worker', 'workers')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it.each([
    ['shel', ['shell', 'upload', 'fetch'], 'shell'],
    ['worker', ['workers', 'master'], 'workers'],
    ['Master', ['master', 'lb'], 'master'],
    ['kubeadm-int', ['kubeadm-init', 'kubeadm-join'], 'kubeadm-init'],
    ['zzz', ['shell', 'upload'], undefined],
    ['lb', ['cp', 'worker'], undefined],
  ] as const)('%s among %j → %s', (word, known, expected) => {
    expect(closest(word, known)).toBe(expected);
  });
});
