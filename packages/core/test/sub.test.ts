import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiskFS,
  FsError,
  SubFS,
  hasBytes,
  hasChangeFeed,
  hasCloseSync,
  hasStatSync,
  hasTryOpen,
  hasTryOpenSync,
  hasTryStat,
  isFsError,
  readFile,
  type ChangeEvent,
  type FileSystem,
} from '@hotfs/core';
import { checkFileSystem } from '@hotfs/core/conformance';
import { eventLog, fileThatThrows, names, rejectsWith, scratch, suiteFixture, text, throwingFS, writeTree } from './wrap-support.js';

const { tree, mirror } = scratch();

describe('SubFS conformance', () => {
  // Without links: a link below the directory is followed by the policy of the backend below,
  // whose root is the parent, so the fixture's link to the parent's secret would be served.
  const fixture = suiteFixture({ symlinks: false });

  it.each(['sync', 'async'] as const)("over DiskFS(parent) with io: '%s' serves the fixture", async (io) => {
    const sub = new SubFS(new DiskFS(dirname(fixture.root), { io }), '/root');
    expect(hasTryOpenSync(sub)).toBe(io === 'sync');
    expect(await checkFileSystem(sub, fixture.root, fixture.options())).toEqual([]);
  });

  it('over MemFS.mirror(parent) serves the fixture', async () => {
    const sub = new SubFS(await mirror(dirname(fixture.root)), '/./root/');
    expect(sub.dir).toBe('/root');
    expect(await checkFileSystem(sub, fixture.root, fixture.options())).toEqual([]);
  });

  it('over the directory itself (dir "/") serves the fixture', async () => {
    expect(await checkFileSystem(new SubFS(new DiskFS(fixture.root), '/'), fixture.root, fixture.options())).toEqual([]);
  });
});

describe('SubFS', () => {
  const files = { 'site/a.txt': 'site a', 'site/d/b.txt': 'site b', 'site/empty/': '', 'other.txt': 'outside the site', 'sitemap.txt': 'sibling' };

  it('reads, lists and names the root "/"', async () => {
    const dir = await tree(files);
    const disk = new DiskFS(dir);
    const sub = new SubFS(disk, 'site');
    expect(text(await readFile(sub, '/a.txt'))).toBe('site a');
    expect(text(await readFile(sub, 'd/b.txt'))).toBe('site b');
    expect(names(await sub.readdir('/'))).toEqual(['a.txt', 'd/', 'empty/']);
    const root = await sub.stat('/');
    expect(root).toMatchObject({ name: '/', isDirectory: true, mtimeMs: (await disk.stat('/site')).mtimeMs });
    expect(Object.isFrozen(root)).toBe(true);
    const opened = await sub.open('/');
    expect((await opened.stat()).name).toBe('/');
    expect(names(await opened.readdir())).toEqual(['a.txt', 'd/', 'empty/']);
    await opened.close();
    expect((await sub.stat('/d')).name).toBe('d');
  });

  it('keeps the renamed root info the same object while the backend does', async () => {
    const sub = new SubFS(await mirror(await tree(files)), '/site');
    const first = await sub.stat('/');
    expect(first.name).toBe('/');
    expect(await sub.stat('/')).toBe(first);
    expect(sub.tryOpenSync!('/')!.statSync!()).toBe(first);
  });

  it.each([
    ['/../other.txt', '/other.txt'],
    ['/d/../../other.txt', '/other.txt'],
    ['../../../other.txt', '/other.txt'],
    ['/..', null],
    ['/../site/a.txt', '/site/a.txt'],
    ['/%2e%2e/other.txt', '/%2e%2e/other.txt'],
    ['/../sitemap.txt', '/sitemap.txt'],
  ])('never climbs out of the directory: %s', async (path, missing) => {
    const sub = new SubFS(new DiskFS(await tree(files)), '/site');
    if (missing === null) {
      expect((await sub.stat(path)).name).toBe('/');
      return;
    }
    await rejectsWith(() => sub.stat(path), 'ENOENT', missing);
    await rejectsWith(() => sub.open(path), 'ENOENT', missing);
    expect(sub.tryOpenSync!(path)).toBeUndefined();
  });

  it('names the SubFS path in every error, keeping the detail and the cause', async () => {
    const sub = new SubFS(new DiskFS(await tree(files)), '/site');
    const missing = await rejectsWith(() => sub.stat('/d/nope.txt'), 'ENOENT', '/d/nope.txt');
    expect(missing.message).not.toContain('/site');
    expect(isFsError(missing.cause, 'ENOENT')).toBe(true);
    await rejectsWith(() => sub.readdir('/a.txt'), 'ENOTDIR', '/a.txt');
    await rejectsWith(() => sub.readdir('/nope'), 'ENOENT', '/nope');
    const dirFile = await sub.open('/d');
    await rejectsWith(() => dirFile.read(new Uint8Array(4), 0), 'EISDIR', '/d');
    await dirFile.close();
    const file = sub.tryOpenSync!('/a.txt')!;
    file.closeSync!();
    file.closeSync!();
    await rejectsWith(() => file.statSync!(), 'EBADF', '/a.txt');
    await rejectsWith(() => file.read(new Uint8Array(4), 0), 'EBADF', '/a.txt');
    await rejectsWith(() => sub.stat('/a\0b'), 'EINVAL', '/a\\0b');

    const detailed = new SubFS({ ...throwingFS(() => new FsError('EACCES', '/site/x', 'custom detail')), readdir: async () => [] }, '/site');
    const relabelled = await rejectsWith(() => detailed.stat('/x'), 'EACCES', '/x');
    expect(relabelled.message).toBe("EACCES: custom detail, '/x'");
  });

  it('wraps raw errors of the backend below in FsErrors naming the SubFS path', async () => {
    const boom = new Error('boom');
    const denied = { code: 'EACCES', message: 'denied' };
    for (const [thrown, code] of [
      [boom, 'EIO'],
      [denied, 'EACCES'],
    ] as const) {
      const sub = new SubFS(
        throwingFS(() => thrown),
        '/inner',
      );
      expect((await rejectsWith(() => sub.stat('/x'), code, '/x')).cause).toBe(thrown);
      await rejectsWith(() => sub.open('/x'), code, '/x');
      await rejectsWith(() => sub.readdir('/'), code, '/');
      await rejectsWith(() => sub.tryOpenSync!('/y'), code, '/y');
    }
    const info = { name: 'f', size: 1, mtimeMs: 0, isDirectory: false };
    const fs: FileSystem = { open: async () => fileThatThrows(info, () => boom), stat: async () => info, readdir: async () => [], close: async () => {} };
    const file = await new SubFS(fs, '/inner').open('/f');
    expect((await rejectsWith(() => file.read(new Uint8Array(1), 0), 'EIO', '/f')).cause).toBe(boom);
    await rejectsWith(() => file.bytes!(), 'EIO', '/f');
  });

  it('does not check the directory when built; a missing one is ENOENT, a file is ENOTDIR at "/"', async () => {
    const disk = new DiskFS(await tree(files));
    const missing = new SubFS(disk, '/nope');
    await rejectsWith(() => missing.stat('/'), 'ENOENT', '/');
    await rejectsWith(() => missing.open('/a.txt'), 'ENOENT', '/a.txt');
    const onFile = new SubFS(disk, '/other.txt');
    await rejectsWith(() => onFile.stat('/'), 'ENOTDIR', '/');
    await rejectsWith(() => onFile.open('/'), 'ENOTDIR', '/');
    await rejectsWith(() => onFile.readdir('/'), 'ENOTDIR', '/');
    expect(onFile.tryOpenSync!('/')).toBeUndefined();
    expect(await onFile.tryStat!('/')).toBeUndefined();
    expect(await onFile.tryOpen!('/')).toBeUndefined();
  });

  it('offers exactly the capabilities of the backend below', async () => {
    const dir = await tree({ ...files, 'site/big.bin': 'x'.repeat(200_000) });
    const sync = new SubFS(new DiskFS(dir), '/site');
    expect([hasTryOpen(sync), hasTryStat(sync), hasTryOpenSync(sync), hasChangeFeed(sync)]).toEqual([true, true, true, false]);
    const small = sync.tryOpenSync!('/a.txt')!;
    expect([hasStatSync(small), hasBytes(small), hasCloseSync(small)]).toEqual([true, true, true]);
    expect(text(small.bytes!())).toBe('site a');
    small.closeSync!();
    const big = sync.tryOpenSync!('/big.bin')!;
    expect([hasStatSync(big), hasBytes(big), hasCloseSync(big)]).toEqual([true, false, false]);
    expect(big.statSync!().size).toBe(200_000);
    await big.close();

    const asyncIo = new SubFS(new DiskFS(dir, { io: 'async' }), '/site');
    expect([hasTryOpen(asyncIo), hasTryStat(asyncIo), hasTryOpenSync(asyncIo), hasChangeFeed(asyncIo)]).toEqual([true, true, false, false]);

    const mem = new SubFS(await mirror(dir), '/site');
    expect([hasTryOpen(mem), hasTryStat(mem), hasTryOpenSync(mem), hasChangeFeed(mem)]).toEqual([true, true, true, true]);

    const disk = new DiskFS(dir);
    const bare = new SubFS({ open: (p) => disk.open(p), stat: (p) => disk.stat(p), readdir: (p) => disk.readdir(p), close: () => disk.close() }, '/site');
    expect([hasTryOpen(bare), hasTryStat(bare), hasTryOpenSync(bare), hasChangeFeed(bare)]).toEqual([false, false, false, false]);
    expect(Object.keys(bare)).not.toContain('tryOpenSync');
  });

  it('forwards the change feed below the directory with translated paths', async () => {
    const dir = await tree(files);
    const mem = await mirror(dir);
    const sub = new SubFS(mem, '/site');
    const log = eventLog();
    const stop = sub.watch!(log.listener);
    const nested = eventLog();
    const stopNested = new SubFS(mem, '/site/d').watch!(nested.listener);
    await writeFile(join(dir, 'other.txt'), 'changed outside');
    await writeFile(join(dir, 'sitemap.txt'), 'changed sibling');
    await writeFile(join(dir, 'site/d/new.txt'), 'new');
    await log.waitFor('add', '/d/new.txt');
    expect(text(await readFile(sub, '/d/new.txt'))).toBe('new');
    await rm(join(dir, 'site'), { recursive: true });
    await log.waitFor('unlinkDir', '/');
    await nested.waitFor('unlinkDir', '/');
    stopNested();
    expect(log.events.every((e) => e.path.startsWith('/') && !e.path.includes('site') && !e.path.includes('other'))).toBe(true);
    stop();
    stop();
    const seen = log.events.length;
    await writeTree(dir, { 'site/again.txt': 'again' });
    const after = eventLog();
    const stopAfter = sub.watch!(after.listener);
    await after.waitFor('add', '/again.txt');
    expect(log.events.length).toBe(seen);
    await sub.close();
    await writeFile(join(dir, 'site/later.txt'), 'later');
    await mem.rescan();
    expect(after.events.some((e) => e.path === '/later.txt')).toBe(false);
    stopAfter();
  });

  it('translates each announced path, and announces "/" gone with an ancestor of the directory', async () => {
    // A backend may announce only the removed ancestor (the feed contract allows it; MemFS also
    // announces the descendants), so this one announces exactly what the test tells it.
    const disk = new DiskFS(await tree(files));
    const listeners = new Set<(e: ChangeEvent) => void>();
    const announcing = {
      open: (p: string) => disk.open(p),
      stat: (p: string) => disk.stat(p),
      readdir: (p: string) => disk.readdir(p),
      close: () => disk.close(),
      watch: (l: (e: ChangeEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    };
    const log = eventLog();
    new SubFS(announcing, '/site/d').watch!(log.listener);
    const sent: ChangeEvent[] = [
      { type: 'change', path: '/site/d/b.txt' },
      { type: 'change', path: '/site/db.txt' },
      { type: 'unlinkDir', path: '/site/e' },
      { type: 'unlinkDir', path: '/si' },
      { type: 'addDir', path: '/site/d' },
      { type: 'unlinkDir', path: '/site' },
      { type: 'unlinkDir', path: '/' },
      { type: 'add', path: '/site' },
    ];
    for (const event of sent) for (const l of listeners) l(event);
    expect(log.events).toEqual([
      { type: 'change', path: '/b.txt' },
      { type: 'addDir', path: '/' },
      { type: 'unlinkDir', path: '/' },
      { type: 'unlinkDir', path: '/' },
    ]);
  });

  it('closes the view, not the backend below', async () => {
    const disk = new DiskFS(await tree(files));
    const sub = new SubFS(disk, '/site');
    const open = await sub.open('/a.txt');
    await sub.close();
    await sub.close();
    await rejectsWith(() => sub.stat('/a.txt'), 'EBADF', '/a.txt');
    await rejectsWith(() => sub.tryOpenSync!('/a.txt'), 'EBADF', '/a.txt');
    expect((await open.stat()).size).toBe(6);
    await open.close();
    expect((await disk.stat('/site/a.txt')).size).toBe(6);
  });

  it('refuses bad arguments with a TypeError naming them', () => {
    const disk = new DiskFS(dirname(import.meta.dirname));
    expect(() => new SubFS({} as FileSystem, '/')).toThrow(/SubFS fs must be a FileSystem/);
    expect(() => new SubFS(null as unknown as FileSystem, '/')).toThrow(TypeError);
    expect(() => new SubFS(disk, 3 as unknown as string)).toThrow(/SubFS dir must be a path string/);
    expect(() => new SubFS(disk, '/a\0')).toThrow(TypeError);
  });
});
