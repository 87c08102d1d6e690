import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate } from '../src/http-date.js';

const t = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('HTTP dates', () => {
  it('parses all three formats', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(t);
    expect(parseHttpDate('Sun Nov 16 08:49:37 1994')).toBe(Date.UTC(1994, 10, 16, 8, 49, 37));
    expect(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT')).toBe(0);
    expect(parseHttpDate('Saturday, 01-Jan-05 00:00:00 GMT')).toBe(Date.UTC(2005, 0, 1));
  });
  it('rejects everything else', () => {
    for (const s of [
      '',
      'garbage',
      '1994-11-06T08:49:37Z',
      'Sun, 06 Nov 1994 08:49:37 PST',
      'Sun, 6 Nov 1994 08:49:37 GMT',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:49:37 GMT',
      'Xyz, 06 Nov 1994 08:49:37 GMT',
      'Sun, 06 Foo 1994 08:49:37 GMT',
      'Funday, 06-Nov-94 08:49:37 GMT',
      String(t),
    ]) {
      expect(parseHttpDate(s), s).toBeUndefined();
    }
  });
  it('formats IMF-fixdate and round-trips at second resolution', () => {
    expect(formatHttpDate(t + 999)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseHttpDate(formatHttpDate(t + 999))).toBe(t);
  });
});
