import { describe, expect, it } from 'vitest';
import { contentTypeByName, sniffContentType } from '../src/content-type.js';

describe('contentTypeByName', () => {
  it('uses mime-types with charset=utf-8 for text', () => {
    expect(contentTypeByName('a.txt')).toBe('text/plain; charset=utf-8');
    expect(contentTypeByName('INDEX.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeByName('app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeByName('x.png')).toBe('image/png');
  });
  it('serves compressed archives as what they are', () => {
    expect(contentTypeByName('a.gz')).toBe('application/gzip');
    expect(contentTypeByName('a.tar.gz')).toBe('application/gzip');
  });
  it('has no answer for missing or unknown extensions', () => {
    for (const n of ['README', '.bashrc', 'x.', 'a.unknownext']) expect(contentTypeByName(n), n).toBeUndefined();
  });
});

describe('sniffContentType', () => {
  const enc = new TextEncoder();
  it('tells text from binary', () => {
    expect(sniffContentType(enc.encode('hello\n\tworld ünï'))).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(new Uint8Array(0))).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(new Uint8Array([104, 105, 0, 1]))).toBe('application/octet-stream');
  });
  it('recognises a few signatures and never sniffs HTML', () => {
    expect(sniffContentType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffContentType(new Uint8Array([0x1f, 0x8b, 0x08, 0]))).toBe('application/gzip');
    expect(sniffContentType(enc.encode('<!doctype html><script>alert(1)</script>'))).toBe('text/plain; charset=utf-8');
  });
});
