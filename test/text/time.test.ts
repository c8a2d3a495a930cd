import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignOwn } from '../../lib/text/record.js';
import { isoTime } from '../../lib/text/time.js';

describe('isoTime', () => {
  it.each([
    0,
    1,
    999,
    86_399_999,
    86_400_000,
    Date.UTC(2026, 10, 23, 3, 1, 0),
    Date.UTC(2028, 1, 29, 23, 59, 59, 999),
    253_402_300_799_999,
  ])('formats %d as Date#toISOString does', (ms) => {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('agrees with Date#toISOString on any time a Date can hold, and throws where it throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    expect(isoTime(1.7)).toBe(new Date(1.7).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});

describe('assignOwn', () => {
  it('copies own members in order like a spread, an own __proto__ member included', () => {
    const source = JSON.parse('{"a":"1","__proto__":"x","b":"2"}') as Record<string, string>;
    const target = assignOwn({ b: '0' } as Record<string, string>, source);
    expect(Object.keys(target)).toEqual(['b', 'a', '__proto__']);
    expect(target).toEqual({ ...{ b: '0' }, ...source });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
  });
});
