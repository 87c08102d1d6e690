import { describe, expect, it } from 'vitest';
import { parseRange, sumRanges } from '../src/range.js';

describe('parseRange', () => {
  it('ignores an absent header and units other than bytes', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes 0-1', 10)).toBeUndefined();
  });
  it('parses single, open-ended and suffix ranges', () => {
    expect(parseRange('bytes=0-4', 10)).toEqual([{ start: 0, end: 4 }]);
    expect(parseRange('BYTES=2-', 10)).toEqual([{ start: 2, end: 9 }]);
    expect(parseRange('bytes=-3', 10)).toEqual([{ start: 7, end: 9 }]);
    expect(parseRange('bytes=0-', 10)).toEqual([{ start: 0, end: 9 }]);
  });
  it('clamps an end past the file and a suffix longer than the file', () => {
    expect(parseRange('bytes=5-100', 10)).toEqual([{ start: 5, end: 9 }]);
    expect(parseRange('bytes=-100', 10)).toEqual([{ start: 0, end: 9 }]);
  });
  it('parses several ranges with optional whitespace', () => {
    expect(parseRange('bytes= 0-1 , 4-5,, -1', 10)).toEqual([
      { start: 0, end: 1 },
      { start: 4, end: 5 },
      { start: 9, end: 9 },
    ]);
  });
  it('reports unsatisfiable when no range overlaps, keeps those that do', () => {
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=20-30', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=20-30,0-0', 10)).toEqual([{ start: 0, end: 0 }]);
  });
  it('reports malformed specs as invalid', () => {
    for (const h of ['bytes=', 'bytes=5-3', 'bytes=a-b', 'bytes=1', 'bytes=--1', 'bytes=-', 'bytes=+1-2', 'bytes=1-2-3', 'bytes=0x1-2', 'bytes=1.5-2']) {
      expect(parseRange(h, 10), h).toBe('invalid');
    }
  });
  it('never throws or loses precision past 2^53', () => {
    expect(parseRange('bytes=0-99999999999999999999999', 10)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRange('bytes=99999999999999999999-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=99999999999999999999-5', 10)).toBe('invalid');
    expect(parseRange('bytes=-99999999999999999999999', 10)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRange('bytes=9007199254740993-9007199254740999', 10)).toBe('unsatisfiable');
  });
  it('sums range lengths for the abuse guard', () => {
    expect(
      sumRanges([
        { start: 0, end: 9 },
        { start: 0, end: 0 },
      ]),
    ).toBe(11);
  });
});
