import { describe, expect, it } from 'vitest';
import { formatDuration, humanCount, humanDuration, humanMeasure } from '../../lib/text/units.js';

describe('human units', () => {
  it.each([
    [850, '850 ms'],
    [1_234, '1.2 s'],
    [45_000, '45 s'],
    [300_000, '5 min'],
    [7_500_000, '2 h 5 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
    [-1, 'unknown'],
  ])('duration %d ms reads %s', (ms, text) => expect(humanDuration(ms)).toBe(text));

  it.each([
    [950, '950'],
    [3_400, '3.4k'],
    [12_345, '12k'],
    [1_234_567, '1.2M'],
  ])('count %d reads %s', (n, text) => expect(humanCount(n)).toBe(text));

  it('metrics: durations as durations, the rest compacted with their unit', () => {
    expect(humanMeasure(300_000, 'ms')).toBe('5 min');
    expect(humanMeasure(90, 's')).toBe('1 min');
    expect(humanMeasure(3_400, 'records/s')).toBe('3.4k records/s');
    expect(humanMeasure(0.5)).toBe('0.5');
  });

  // One formatter, three looks (they were three copies in detection, remediation and the channels).
  it.each([
    [45_000, '45 s', '45s', '45s'],
    [59_600, '1 min', '1m', '59s'],
    [300_000, '5 min', '5m', '5m'],
    [3_600_000, '1 h', '1h', '1h 0m'],
    [5_400_000, '1 h 30 min', '1h30m', '1h 30m'],
    [26 * 3_600_000, '1 d 2 h', '26h', '26h 0m'],
    [50 * 3_600_000, '2 d 2 h', '50h', '2d 2h'],
    [-5_000, '0 s', '0s', '-5s'],
  ])('formatDuration(%d) reads %s, %s (compact), %s (clock)', (ms, spaced, compact, clock) => {
    expect(formatDuration(ms)).toBe(spaced);
    expect(formatDuration(ms, 'compact')).toBe(compact);
    expect(formatDuration(ms, 'clock')).toBe(clock);
  });
});
