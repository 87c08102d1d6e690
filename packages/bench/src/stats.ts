/** Small statistics shared by the FS and HTTP benches. @packageDocumentation */

/** A value measured over several interleaved rounds: the median, with min and max so noise shows. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of `values`; NaN everywhere when there are none. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]! };
}

/** "median (min–max)": the spread stays visible next to the number. */
export function withSpread(s: Spread, fmt: (n: number) => string): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  return s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** `a / b`, or NaN when either is missing or `b` is 0: a ratio is never Infinity in a report. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/** Geometric mean of the finite positive values; NaN when there are none. */
export function geomean(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return Number.NaN;
  return Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length);
}
