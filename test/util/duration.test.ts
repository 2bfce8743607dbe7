// One duration module: what playbooks may write, and how every reporter words elapsed time.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSeconds, formatSpan, parseDuration } from '../../engine/util/duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('says what a duration looks like when one does not parse', () => {
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration "5 minutes" \(expected a duration such as 500ms, 30s, 5m, 2h or 1d\)/);
  });

  it.each([
    [400, '0.4s'],
    [12_345, '12.3s'],
    [65_000, '1m 05s'],
    [7_380_000, '2h 03m'],
  ])('words %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('counts down in whole seconds and writes spans as a playbook would', () => {
    expect(formatSeconds(3100)).toBe('4s');
    expect(formatSpan(90_000)).toBe('1m30s');
    expect(formatSpan(500)).toBe('500ms');
    expect(formatSpan(3_600_000)).toBe('1h');
  });
});
