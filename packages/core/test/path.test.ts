import { describe, expect, it } from 'vitest';
import { FsError, baseName, cleanPath, compareNames, dirName, joinPath } from '@hotfs/core';

describe('cleanPath', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['.', '/'],
    ['a', '/a'],
    ['/a/b', '/a/b'],
    ['/a/b/', '/a/b'],
    ['//a//b', '/a/b'],
    ['/a/./b/.', '/a/b'],
    ['/a/../b', '/b'],
    ['/../x', '/x'],
    ['/a/../../x', '/x'],
    ['..', '/'],
    ['../../../etc/passwd', '/etc/passwd'],
    ['/a/b/../../../..', '/'],
    ['/a\\..\\b', '/a\\..\\b'],
    ['/...', '/...'],
    ['/a #?%.txt', '/a #?%.txt'],
  ])('%j -> %j', (input, want) => {
    expect(cleanPath(input)).toBe(want);
  });

  it('rejects a NUL byte with EINVAL', () => {
    expect(() => cleanPath('/a\0b')).toThrow(FsError);
    try {
      cleanPath('/a\0b');
    } catch (err) {
      expect((err as FsError).code).toBe('EINVAL');
    }
  });

  it('rejects a non-string with EINVAL', () => {
    expect(() => cleanPath(42 as unknown as string)).toThrow(/EINVAL/);
  });
});

describe('path helpers', () => {
  it('splits and joins', () => {
    expect(baseName('/a/b.txt')).toBe('b.txt');
    expect(baseName('/')).toBe('/');
    expect(dirName('/a/b.txt')).toBe('/a');
    expect(dirName('/a')).toBe('/');
    expect(dirName('/')).toBe('/');
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
  });

  it('orders names by code unit, not locale', () => {
    expect(['b', 'B', 'a', 'é', 'Z', '10', '9'].sort(compareNames)).toEqual(['10', '9', 'B', 'Z', 'a', 'b', 'é']);
  });
});

describe('cleanPath against a reference', () => {
  // Go's path.Clean("/" + p), written the slow and obvious way.
  function reference(p: string): string {
    const out: string[] = [];
    for (const s of p.split('/')) {
      if (s === '..') out.pop();
      else if (s !== '' && s !== '.') out.push(s);
    }
    return '/' + out.join('/');
  }

  it('agrees on every path of up to 6 characters from / . a', () => {
    const alphabet = ['/', '.', 'a'];
    let paths = [''];
    let checked = 0;
    for (let len = 0; len <= 6; len++) {
      for (const p of paths) {
        expect(cleanPath(p), JSON.stringify(p)).toBe(reference(p));
        checked++;
      }
      paths = paths.flatMap((p) => alphabet.map((c) => p + c));
    }
    expect(checked).toBe((3 ** 7 - 1) / 2);
  });

  it('returns a clean path as the same string', () => {
    for (const p of ['/', '/a', '/a/b.c', '/.a/..b/a..', '/a/.../b']) expect(cleanPath(p)).toBe(p);
  });

  it('finds a NUL wherever it is, in clean and unclean paths', () => {
    for (const p of ['\0', '/\0', '/a\0', '/a/\0/b', '/a//\0', '/a/../\0']) {
      expect(() => cleanPath(p), JSON.stringify(p)).toThrow(/EINVAL/);
    }
  });
});
