import * as fc from 'fast-check';
import { percentile, summarize } from '../../src/cli/statistics';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  test('of 1..100 is the value of that rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  test('is an observed value, never an interpolation', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
    expect(percentile([10, 20, 30, 40], 90)).toBe(40);
  });

  test('of one value is that value at every percentile', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  test('does not let floating point move a rank (0.07 * 100 > 7)', () => {
    // With (p / 100) * n the rank of p7 over 100 values would be ceil(7.000000000000001) = 8.
    expect(percentile(hundred, 7)).toBe(7);
    expect(percentile(hundred, 29)).toBe(29);
  });

  test('rejects an empty sample and a percentile out of range', () => {
    expect(() => percentile([], 50)).toThrow(/empty sample/);
    expect(() => percentile([1], 0)).toThrow(/greater than 0 and at most 100, got 0/);
    expect(() => percentile([1], 101)).toThrow(/greater than 0 and at most 100, got 101/);
  });
});

describe('summarize', () => {
  test('of an empty sample is undefined, not zeros', () => {
    expect(summarize([])).toBeUndefined();
  });

  test('does not depend on the order of the sample, and leaves it untouched', () => {
    const sample = [30, 10, 50, 20, 40];
    const summary = summarize(sample);
    expect(summary).toEqual({ count: 5, min: 10, mean: 30, p50: 30, p90: 50, p99: 50, max: 50 });
    expect(sample).toEqual([30, 10, 50, 20, 40]);
  });

  const samples = fc.array(fc.double({ min: 0, max: 900_000, noNaN: true }), { minLength: 1, maxLength: 500 });

  test('property: min <= p50 <= p90 <= p99 <= max', () => {
    fc.assert(fc.property(samples, (values) => {
      const s = summarize(values)!;
      expect(s.min).toBeLessThanOrEqual(s.p50);
      expect(s.p50).toBeLessThanOrEqual(s.p90);
      expect(s.p90).toBeLessThanOrEqual(s.p99);
      expect(s.p99).toBeLessThanOrEqual(s.max);
    }));
  });

  test('property: every percentile is a member of the sample, min and max are its extremes', () => {
    fc.assert(fc.property(samples, (values) => {
      const s = summarize(values)!;
      for (const v of [s.p50, s.p90, s.p99]) {
        expect(values).toContain(v);
      }
      expect(s.min).toBe(Math.min(...values));
      expect(s.max).toBe(Math.max(...values));
      expect(s.count).toBe(values.length);
    }));
  });

  test('property: at least p% of the sample is <= the p-th percentile, and fewer than p% is below it', () => {
    fc.assert(fc.property(samples, fc.integer({ min: 1, max: 100 }), (values, p) => {
      const sorted = [...values].sort((a, b) => a - b);
      const v = percentile(sorted, p);
      const atOrBelow = values.filter((x) => x <= v).length;
      const below = values.filter((x) => x < v).length;
      expect(atOrBelow * 100).toBeGreaterThanOrEqual(p * values.length);
      expect(below * 100).toBeLessThan(p * values.length);
    }));
  });

  test('property: the mean lies between min and max', () => {
    fc.assert(fc.property(samples, (values) => {
      const s = summarize(values)!;
      // a relative tolerance: summing doubles rounds
      expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-9 * s.max);
      expect(s.mean).toBeLessThanOrEqual(s.max + 1e-9 * s.max);
    }));
  });
});
