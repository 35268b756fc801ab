/** Small statistics for the benchmarks' reports. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Least-squares line through (x, y) points, with its coefficient of determination. */
export function linearFit(points: Array<[number, number]>): { slope: number; intercept: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssTot = points.reduce((a, [, y]) => a + (y - my) ** 2, 0);
  const ssRes = points.reduce((a, [x, y]) => a + (y - (intercept + slope * x)) ** 2, 0);
  return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

/** Formats a number with a fixed number of decimals, right-aligned in `width` characters. */
export function fmt(x: number, decimals = 0, width = 8): string {
  return (Number.isFinite(x) ? x.toFixed(decimals) : String(x)).padStart(width);
}
