// A backend published with its own copy of @hotfs/core throws that copy's FsError class: isFsError
// and the conformance suite of this copy must still recognise it (a shared Symbol.for brand, where
// instanceof knows only its own copy's class).
import { cp, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@hotfs/core';
import { FsError, isFsError } from '@hotfs/core';
import { checkFileSystem, createFixture, type Fixture } from '@hotfs/core/conformance';
import { tempDir } from './support.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let fixture: Fixture;
let copyDir: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  fixture = await createFixture();
  // A second installed copy of the package, as a backend's own dependency would be: its own dist,
  // resolving memfs from this package's dependencies.
  copyDir = await tempDir('hotfs-copy-');
  const copy = join(copyDir.dir, 'node_modules', '@hotfs', 'core');
  await mkdir(copy, { recursive: true });
  await cp(join(packageDir, 'dist'), join(copy, 'dist'), { recursive: true });
  await cp(join(packageDir, 'package.json'), join(copy, 'package.json'));
  await symlink(join(packageDir, 'node_modules'), join(copy, 'node_modules'));
});
afterAll(async () => {
  await fixture.remove();
  await copyDir.remove();
});

describe('FsError across two copies of @hotfs/core', () => {
  it('isFsError recognises an FsError of a second module instance, with its code', async () => {
    // A query string makes the loader evaluate the same file again as a separate module.
    const other = (await import(`${pathToFileURL(join(packageDir, 'dist', 'errors.js')).href}?copy=2`)) as typeof core;
    expect(other.FsError).not.toBe(FsError);
    const err = new other.FsError('ENOENT', '/x');
    expect(err instanceof FsError).toBe(false); // the premise: a separate class
    expect(isFsError(err)).toBe(true);
    expect(isFsError(err, 'ENOENT', 'ENOTDIR')).toBe(true);
    expect(isFsError(err, 'EACCES')).toBe(false);
    expect(other.isFsError(new FsError('EBADF', '/y'), 'EBADF')).toBe(true);
  });

  it('does not take an error that merely has a code for an FsError', () => {
    expect(isFsError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x' }))).toBe(false);
    expect(isFsError({ code: 'ENOENT', path: '/x', name: 'FsError' })).toBe(false);
    expect(isFsError(undefined)).toBe(false);
    expect(isFsError('ENOENT')).toBe(false);
  });

  it.each(['sync', 'async'] as const)("the conformance suite passes DiskFS from the other copy (io: '%s')", async (io) => {
    const other = (await import(pathToFileURL(join(copyDir.dir, 'node_modules', '@hotfs', 'core', 'dist', 'index.js')).href)) as typeof core;
    expect(other.FsError).not.toBe(FsError);
    const fs = new other.DiskFS(fixture.root, { io });
    const miss = await fs.stat('/does-not-exist').catch((err: unknown) => err);
    expect(miss instanceof FsError).toBe(false);
    expect(isFsError(miss, 'ENOENT')).toBe(true);
    expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
    await fs.close();
  });
});
