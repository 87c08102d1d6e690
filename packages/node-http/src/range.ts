/**
 * Parsing the `Range` request header (RFC 9110 §14.1-14.2) against a representation's size.
 * @module
 */

/** One satisfiable byte range: `start` and `end` inclusive, as in `Content-Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks for:
 * - `undefined`: no usable Range (absent, or a unit other than `bytes`): serve the whole representation;
 * - `'invalid'`: malformed byte ranges (Go answers 416);
 * - `'unsatisfiable'`: well formed but no range overlaps the representation (416);
 * - an array of one or more satisfiable ranges, clamped to the size.
 */
export type RangeResult = undefined | 'invalid' | 'unsatisfiable' | ByteRange[];

// More digits than this can exceed 2^53; such a position lies beyond any file we can serve.
const MAX_DIGITS = 15;

/**
 * Parses a `Range` header (RFC 9110 §14.2) for a representation of `size` bytes: byte ranges,
 * open-ended and suffix ranges as RFC 9110 §14.1.2 defines them, clamped to the size. Never throws:
 * ends beyond 2^53 are clamped and starts beyond 2^53 are unsatisfiable, so no input can crash the caller.
 *
 * @example
 * ```ts
 * parseRange('bytes=0-4,-3', 10); // [{ start: 0, end: 4 }, { start: 7, end: 9 }]
 * parseRange('bytes=20-', 10);    // 'unsatisfiable': answer 416
 * ```
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return undefined;
  let i = 0;
  while (i < header.length && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
  // Units other than bytes are ignored as RFC 9110 §14.2 allows.
  if (header.slice(i, i + 6).toLowerCase() !== 'bytes=') return undefined;
  const ranges: ByteRange[] = [];
  let noOverlap = false;
  for (const raw of header.slice(i + 6).split(',')) {
    const spec = raw.trim();
    if (spec === '') continue;
    const dash = spec.indexOf('-');
    if (dash < 0) return 'invalid';
    const first = spec.slice(0, dash).trim();
    const last = spec.slice(dash + 1).trim();
    if (first === '') {
      // Suffix range: the final N bytes; N larger than the file means the whole file.
      const n = digits(last);
      if (n === undefined) return 'invalid';
      if (n === 0 || size === 0) {
        noOverlap = true;
        continue;
      }
      ranges.push({ start: n >= size ? 0 : size - n, end: size - 1 });
      continue;
    }
    const start = digits(first);
    if (start === undefined) return 'invalid';
    let end = size - 1;
    if (last !== '') {
      const e = digits(last);
      if (e === undefined || e < start) return 'invalid';
      if (e < end) end = e;
    }
    if (start >= size) {
      noOverlap = true;
      continue;
    }
    ranges.push({ start, end });
  }
  if (ranges.length === 0) return noOverlap ? 'unsatisfiable' : 'invalid';
  return ranges;
}

/** Total bytes the ranges cover, counting overlaps twice (Go's abuse guard compares this to the size). */
export function sumRanges(ranges: readonly ByteRange[]): number {
  let sum = 0;
  for (const r of ranges) sum += r.end - r.start + 1;
  return sum;
}

// A non-empty run of ASCII digits; positions past 2^53 become Infinity so comparisons stay exact.
function digits(s: string): number | undefined {
  if (s === '') return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return s.length > MAX_DIGITS ? Infinity : Number(s);
}
