import { describe, expect, it } from 'vitest';
import { parseAcceptEncoding, preferredEncodings } from '../src/protocol.js';

const preferred = (header: string | undefined) => preferredEncodings(parseAcceptEncoding(header));

describe('Accept-Encoding (RFC 9110 §12.5.3)', () => {
  it.each([
    // [header, codings worth sending, best first]
    [undefined, []],
    ['', []],
    ['gzip, deflate, br, zstd', ['br', 'zstd', 'gzip']],
    ['gzip', ['gzip']],
    ['GZIP', ['gzip']],
    ['x-gzip', ['gzip']],
    ['br;q=0.5, gzip', ['gzip', 'br']],
    ['br; q=0.5 , gzip ;q=0.8', ['gzip', 'br']],
    ['gzip;q=1.000, br;q=1', ['br', 'gzip']],
    ['*', ['br', 'zstd', 'gzip']],
    ['*;q=0.5, gzip', ['gzip', 'br', 'zstd']],
    ['*, br;q=0', ['zstd', 'gzip']],
    ['gzip;q=0', []],
    ['identity', []],
    // Identity weighted above a coding: that coding is not worth sending.
    ['identity, gzip;q=0.5', []],
    ['identity;q=0.5, gzip;q=0.5, br;q=0.4', ['gzip']],
    ['identity;q=0, gzip', ['gzip']],
    // Nothing acceptable, identity refused too: nothing to send but identity (the handler sends it, not a 406).
    ['identity;q=0', []],
    ['*;q=0', []],
    // Malformed elements are ignored, the rest still count.
    ['br;q=abc, gzip', ['gzip']],
    ['br;q=2, gzip', ['gzip']],
    ['br;q=0.1234, gzip', ['gzip']],
    ['br;q=, gzip', ['gzip']],
    ['br;q, gzip', ['gzip']],
    ['b r, gzip', ['gzip']],
    ['compress, deflate, sdch, gzip', ['gzip']],
    [',,, ;;;, gzip', ['gzip']],
    ['br;level=5;q=0.9, gzip;q=0.9', ['br', 'gzip']],
  ])('%j -> %j', (header, want) => {
    expect(preferred(header)).toEqual(want);
  });

  it('weights: a named coding beats the implicit identity; q-values are kept', () => {
    expect(parseAcceptEncoding('br;q=0.001')).toMatchObject({ br: 0.001, gzip: 0, zstd: 0 });
    expect(preferred('br;q=0.001')).toEqual(['br']);
    expect(parseAcceptEncoding(undefined)).toEqual({ br: 0, zstd: 0, gzip: 0, identity: 1 });
  });

  it('a 10 KB header is parsed in bounded time and still understood', () => {
    const junk = Array.from({ length: 2000 }, (_, i) => `x${i}`).join(',');
    expect(junk.length).toBeGreaterThan(10_000);
    expect(preferred(`${junk},gzip;q=0.5,br;q=0.7`)).toEqual(['br', 'gzip']);
  });
});
