import { describe, expect, it } from 'vitest';
import { decodeTarget, dotSegments } from '../src/decode-path.js';

describe('decodeTarget', () => {
  it('splits the query and decodes exactly once', () => {
    expect(decodeTarget('/a%20b.txt?x=%20')).toEqual({ path: '/a b.txt', query: 'x=%20', dotSegment: false });
    expect(decodeTarget('/100%2525.txt')?.path).toBe('/100%25.txt');
    expect(decodeTarget('/%C3%BCn%C3%AF')?.path).toBe('/ünï');
    expect(decodeTarget('/a%23b%3Fc.txt')?.path).toBe('/a#b?c.txt');
    expect(decodeTarget('/plain')).toEqual({ path: '/plain', query: '', dotSegment: false });
  });
  it('accepts the absolute form', () => {
    expect(decodeTarget('http://example.com/a?b')).toEqual({ path: '/a', query: 'b', dotSegment: false });
    expect(decodeTarget('HTTPS://example.com')?.path).toBe('/');
  });
  it('rejects bad escapes, invalid or overlong UTF-8, NUL and non-paths', () => {
    for (const t of ['/%', '/%2', '/%zz', '/%c0%ae', '/%c0%af', '/%e0%80%ae', '/%ed%a0%80', '/%ff', '/a%00b', '*', 'example.com/a', 'ftp://x/a', '/a b']) {
      expect(decodeTarget(t), t).toBeUndefined();
    }
  });
  it('flags dot segments, including encoded ones, after decoding', () => {
    expect(decodeTarget('/%2e%2e/x')?.dotSegment).toBe(true);
    expect(decodeTarget('/docs/..%2f..%2fsecret')?.path).toBe('/docs/../../secret');
    expect(decodeTarget('/.env')?.dotSegment).toBe(true);
    expect(decodeTarget('/a.b/c')?.dotSegment).toBe(false);
  });
});

describe('dotSegments', () => {
  it('classifies .. and dotfiles', () => {
    expect(dotSegments('/a/../b')).toBe('dotdot');
    expect(dotSegments('/.git/config')).toBe('dotfile');
    expect(dotSegments('/a/.hidden')).toBe('dotfile');
    expect(dotSegments('/a/./b')).toBeUndefined();
    expect(dotSegments('/a/b.c')).toBeUndefined();
    expect(dotSegments('/..')).toBe('dotdot');
  });
});
