/**
 * Summary statistics of a sample of numbers (latencies, durations).
 *
 * Percentiles use the nearest-rank method: the p-th percentile is the smallest sample value such that at
 * least p% of the samples are less than or equal to it. It always returns an observed value (a latency
 * somebody really waited), never an interpolation, and is monotone in p.
 */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of values already sorted in ascending order.
 * @param sorted ascending, non-empty
 * @param p percentile between 0 (exclusive) and 100 (inclusive)
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    throw new Error('percentile of an empty sample');
  }
  if (!(p > 0 && p <= 100)) {
    throw new Error(`percentile must be greater than 0 and at most 100, got ${p}`);
  }
  // p * n first: for whole-number percentiles it is an exact integer, so a rank such as 7 is not
  // turned into 8 by 0.07 * 100 = 7.000000000000001.
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.max(rank, 1) - 1];
}

/** Summarizes a sample; undefined when it is empty (nothing to report, not zero). */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return {
    count: sorted.length,
    min: sorted[0],
    mean: total / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}
