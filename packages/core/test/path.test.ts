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
