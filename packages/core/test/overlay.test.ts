import { readdir, rm, stat as hostStat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiskFS,
  OverlayFS,
  SubFS,
  hasBytes,
  hasChangeFeed,
  hasCloseSync,
  hasTryOpen,
  hasTryOpenSync,
  hasTryStat,
  readFile,
  type File,
  type FileInfo,
  type FileSystem,
} from '@hotfs/core';
import { checkFileSystem } from '@hotfs/core/conformance';
import { eventLog, fileThatThrows, names, rejectsWith, scratch, suiteFixture, text, throwingFS } from './wrap-support.js';

const { tree, mirror } = scratch();

describe('OverlayFS conformance', () => {
  const fixture = suiteFixture();

  // An upper directory's info wins, mtime included: the upper copies take the fixture's times.
  it('[MemFS of an empty dir, DiskFS(fixture)] serves the fixture', async () => {
    const overlay = new OverlayFS([await mirror(await copyTimes(await tree({}), fixture.root)), new DiskFS(fixture.root)]);
    expect(hasTryOpenSync(overlay)).toBe(true);
    expect(await checkFileSystem(overlay, fixture.root, fixture.options())).toEqual([]);
  });

  it("[DiskFS of an empty dir with io: 'async', MemFS.mirror(fixture)] serves the fixture", async () => {
    const overlay = new OverlayFS([new DiskFS(await copyTimes(await tree({}), fixture.root), { io: 'async' }), await mirror(fixture.root)]);
    expect(hasTryOpenSync(overlay)).toBe(false);
    expect(await checkFileSystem(overlay, fixture.root, fixture.options())).toEqual([]);
  });

  it('serves the fixture split over three layers, directories merged', async () => {
    const top = await tree({ 'hello.txt': 'Hello, hotfs!\n', 'docs/index.html': '<!doctype html><title>docs</title><p>docs index</p>\n' });
    const middle = await tree({ 'docs/guide/deep.md': '# deep\n', 'empty-dir/': '' });
    const overlay = new OverlayFS([new DiskFS(await copyTimes(top, fixture.root)), new SubFS(new DiskFS(await copyTimes(middle, fixture.root)), '/'), new DiskFS(fixture.root)]);
    expect(await checkFileSystem(overlay, fixture.root, fixture.options())).toEqual([]);
  });
});

/** Gives every entry below `dir` the times of the same path below `from`; resolves to `dir`. */
async function copyTimes(dir: string, from: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true });
  for (const name of [...entries.sort().reverse(), '']) {
    const { atimeMs, mtimeMs } = await hostStat(join(from, name));
    await utimes(join(dir, name), atimeMs / 1000, mtimeMs / 1000);
  }
  return dir;
}

describe('OverlayFS', () => {
  const upperFiles = {
    'a.txt': 'upper a',
    'd/x.txt': 'upper x',
    f: 'upper f is a file',
    'g/in-upper-g.txt': 'upper g',
    'only-upper.txt': 'only upper',
    'm/': '',
  };
  const lowerFiles = {
    'a.txt': 'lower a',
    'd/x.txt': 'lower x',
    'd/y.txt': 'lower y',
    'f/hidden.txt': 'hidden below a file',
    'f/sub/deeper.txt': 'hidden deeper',
    g: 'lower g is a file',
    'only-lower.txt': 'only lower',
    'deep/e/z.txt': 'deep z',
    'm/from-lower.txt': 'm',
  };

  async function layers(): Promise<{ upperDir: string; lowerDir: string; upper: DiskFS; lower: DiskFS }> {
    const upperDir = await tree(upperFiles);
    const lowerDir = await tree(lowerFiles);
    return { upperDir, lowerDir, upper: new DiskFS(upperDir), lower: new DiskFS(lowerDir) };
  }

  it('lets the upper-most layer win and merges directory listings', async () => {
    const { upper, lower } = await layers();
    for (const overlay of [new OverlayFS([upper, lower]), new OverlayFS([new DiskFS(upper.root, { io: 'async' }), new DiskFS(lower.root, { io: 'async' })])]) {
      expect(text(await readFile(overlay, '/a.txt'))).toBe('upper a');
      expect(text(await readFile(overlay, '/d/x.txt'))).toBe('upper x');
      expect(text(await readFile(overlay, '/d/y.txt'))).toBe('lower y');
      expect(text(await readFile(overlay, '/deep/e/z.txt'))).toBe('deep z');
      expect(names(await overlay.readdir('/'))).toEqual(['a.txt', 'd/', 'deep/', 'f', 'g/', 'm/', 'only-lower.txt', 'only-upper.txt']);
      expect(names(await overlay.readdir('/d'))).toEqual(['x.txt', 'y.txt']);
      expect((await overlay.readdir('/d'))[0]!.size).toBe('upper x'.length);
      expect(names(await overlay.readdir('/m'))).toEqual(['from-lower.txt']);
      // A directory above a file: the directory wins and lists only itself.
      expect(names(await overlay.readdir('/g'))).toEqual(['in-upper-g.txt']);
      expect((await overlay.stat('/d')).mtimeMs).toBe((await upper.stat('/d')).mtimeMs);
      const dir = await overlay.open('/d');
      expect((await dir.stat()).mtimeMs).toBe((await upper.stat('/d')).mtimeMs);
      expect(names(await dir.readdir())).toEqual(['x.txt', 'y.txt']);
      await rejectsWith(() => dir.read(new Uint8Array(1), 0), 'EISDIR', '/d');
      await dir.close();
      await rejectsWith(() => dir.readdir(), 'EBADF', '/d');
    }
  });

  it('shows nothing of the lower layers below a path whose winning entry is a file', async () => {
    const { upper, lower } = await layers();
    const overlay = new OverlayFS([upper, lower]);
    expect((await overlay.stat('/f')).isDirectory).toBe(false);
    expect(text(await readFile(overlay, '/f'))).toBe('upper f is a file');
    await rejectsWith(() => overlay.readdir('/f'), 'ENOTDIR', '/f');
    for (const path of ['/f/hidden.txt', '/f/sub/deeper.txt', '/f/sub']) {
      await rejectsWith(() => overlay.stat(path), 'ENOENT', path);
      await rejectsWith(() => overlay.open(path), 'ENOENT', path);
      await rejectsWith(() => overlay.readdir(path), 'ENOENT', path);
      expect(await overlay.tryStat!(path)).toBeUndefined();
      expect(await overlay.tryOpen!(path)).toBeUndefined();
      expect(overlay.tryOpenSync!(path)).toBeUndefined();
    }
  });

  it('stops a merge at the first layer where the path is a file or lies below one', async () => {
    const top = await tree({ 'a/top.txt': 't', 'a/b/t.txt': 't' });
    const fileMiddle = await tree({ a: 'a file in the middle' });
    const below = await tree({ 'a/bottom.txt': 'b', 'a/b/c.txt': 'c' });
    const overlay = new OverlayFS([new DiskFS(top), new DiskFS(fileMiddle), new DiskFS(below)]);
    expect(names(await overlay.readdir('/a'))).toEqual(['b/', 'top.txt']);
    // The middle layer has no /a/b, but its /a is a file: nothing below it shows.
    expect(names(await overlay.readdir('/a/b'))).toEqual(['t.txt']);
    await rejectsWith(() => overlay.stat('/a/bottom.txt'), 'ENOENT', '/a/bottom.txt');
    expect(overlay.tryOpenSync!('/a/b/c.txt')).toBeUndefined();

    const nested = await tree({ 'x/y': 'y is a file here' });
    const deeper = await tree({ 'x/y/z/w.txt': 'below a file', 'x/other.txt': 'o' });
    const overlay2 = new OverlayFS([new DiskFS(await tree({ 'x/top.txt': 't' })), new DiskFS(nested), new DiskFS(deeper)]);
    expect(names(await overlay2.readdir('/x'))).toEqual(['other.txt', 'top.txt', 'y']);
    await rejectsWith(() => overlay2.readdir('/x/y/z'), 'ENOENT', '/x/y/z');
    expect(overlay2.tryOpenSync!('/x/y/z/w.txt')).toBeUndefined();
  });

  it('never climbs above the root and names the overlay path in errors', async () => {
    const { upper, lower } = await layers();
    const overlay = new OverlayFS([upper, new SubFS(lower, '/d')]);
    expect(text(await readFile(overlay, '/../../y.txt'))).toBe('lower y');
    expect(text(await readFile(overlay, '/x/../../a.txt'))).toBe('upper a');
    await rejectsWith(() => overlay.stat('/%2e%2e/a.txt'), 'ENOENT', '/%2e%2e/a.txt');
    await rejectsWith(() => overlay.stat('/nope/../missing'), 'ENOENT', '/missing');
    await rejectsWith(() => overlay.stat('/a\0'), 'EINVAL', '/a\\0');
    const file = overlay.tryOpenSync!('/y.txt')!;
    file.closeSync!();
    await rejectsWith(() => file.read(new Uint8Array(1), 0), 'EBADF', '/y.txt');
  });

  it('wraps raw errors of a layer in FsErrors naming the overlay path', async () => {
    const { lower } = await layers();
    const boom = new Error('boom');
    const denied = { code: 'EACCES' };
    for (const [thrown, code] of [
      [boom, 'EIO'],
      [denied, 'EACCES'],
    ] as const) {
      const overlay = new OverlayFS([throwingFS(() => thrown), lower]);
      expect((await rejectsWith(() => overlay.stat('/a.txt'), code, '/a.txt')).cause).toBe(thrown);
      await rejectsWith(() => overlay.open('/d/../a.txt'), code, '/a.txt');
      await rejectsWith(() => overlay.readdir('/'), code, '/');
      await rejectsWith(() => overlay.tryOpenSync!('/a.txt'), code, '/a.txt');
    }
    const info: FileInfo = { name: 'f', size: 1, mtimeMs: 0, isDirectory: false };
    const foreign: FileSystem = {
      open: async () => fileThatThrows(info, () => boom),
      tryOpenSync: (p) => (p === '/f' ? fileThatThrows(info, () => boom) : undefined),
      stat: async () => info,
      readdir: async () => [],
      close: async () => {},
    };
    const overlay = new OverlayFS([foreign, lower]);
    for (const file of [await overlay.open('/f'), overlay.tryOpenSync!('/f')!]) {
      expect((await rejectsWith(() => file.read(new Uint8Array(1), 0), 'EIO', '/f')).cause).toBe(boom);
      await rejectsWith(() => file.bytes!(), 'EIO', '/f');
    }
    // Files of this package's backends throw nothing else: they are handed out as they are.
    const direct = lower.tryOpenSync!('/a.txt')!;
    const through = overlay.tryOpenSync!('/a.txt')!;
    expect(Object.getPrototypeOf(through)).toBe(Object.getPrototypeOf(direct));
    direct.closeSync!();
    through.closeSync!();
  });

  it('offers a capability when every layer does; bytes() per file', async () => {
    const { upper, lower, upperDir } = await layers();
    const big = await tree({ 'big.bin': 'b'.repeat(100_000) });
    const mem = await mirror(upperDir);
    const both = new OverlayFS([mem, upper, new DiskFS(big)]);
    expect([hasTryOpen(both), hasTryStat(both), hasTryOpenSync(both), hasChangeFeed(both)]).toEqual([true, true, true, false]);
    const small = both.tryOpenSync!('/a.txt')!;
    expect([hasBytes(small), hasCloseSync(small)]).toEqual([true, true]);
    expect(text(small.bytes!())).toBe('upper a');
    small.closeSync!();
    const large = both.tryOpenSync!('/big.bin')!;
    expect([hasBytes(large), hasCloseSync(large), large.statSync!().size]).toEqual([false, false, 100_000]);
    await large.close();

    const withAsync = new OverlayFS([mem, new DiskFS(lower.root, { io: 'async' })]);
    expect([hasTryOpen(withAsync), hasTryStat(withAsync), hasTryOpenSync(withAsync)]).toEqual([true, true, false]);
    const bare: FileSystem = { open: (p) => lower.open(p), stat: (p) => lower.stat(p), readdir: (p) => lower.readdir(p), close: async () => {} };
    const withBare = new OverlayFS([mem, bare]);
    expect([hasTryOpen(withBare), hasTryStat(withBare), hasTryOpenSync(withBare), hasChangeFeed(withBare)]).toEqual([false, false, false, false]);
    expect(text(await readFile(withBare, '/only-lower.txt'))).toBe('only lower');
    expect(hasChangeFeed(new OverlayFS([mem, await mirror(lower.root)]))).toBe(true);
  });

  it("forwards every layer's changes, announcing what an upper change hides or reveals", async () => {
    const { upperDir, lowerDir } = await layers();
    const overlay = new OverlayFS([await mirror(upperDir), await mirror(lowerDir)]);
    const log = eventLog();
    const stop = overlay.watch!(log.listener);
    await writeFile(join(lowerDir, 'new-lower.txt'), 'n');
    await log.waitFor('add', '/new-lower.txt');
    expect(text(await readFile(overlay, '/new-lower.txt'))).toBe('n');
    // A file in the upper layer over a lower directory: the directory and all it held vanish.
    await writeFile(join(upperDir, 'deep'), 'now a file');
    await log.waitFor('add', '/deep');
    const at = log.events.findIndex((e) => e.type === 'add' && e.path === '/deep');
    expect(log.events[at - 1]).toEqual({ type: 'unlinkDir', path: '/deep' });
    await rejectsWith(() => overlay.stat('/deep/e/z.txt'), 'ENOENT', '/deep/e/z.txt');
    // Removing it reveals the lower directory again.
    await rm(join(upperDir, 'deep'));
    await log.waitFor('unlink', '/deep');
    await log.waitFor('addDir', '/deep');
    const revealed = log.events.slice(log.events.findIndex((e) => e.type === 'unlink' && e.path === '/deep'));
    expect(revealed.filter((e) => e.path === '/deep').map((e) => e.type)).toEqual(['unlink', 'unlinkDir', 'addDir']);
    expect(text(await readFile(overlay, '/deep/e/z.txt'))).toBe('deep z');
    // A lower change the upper layer hides may be announced; the view does not change.
    await writeFile(join(lowerDir, 'a.txt'), 'lower a, changed');
    await log.waitFor('change', '/a.txt');
    expect(text(await readFile(overlay, '/a.txt'))).toBe('upper a');
    stop();
    stop();
    const seen = log.events.length;
    const later = eventLog();
    overlay.watch!(later.listener);
    await writeFile(join(upperDir, 'after.txt'), 'after');
    await later.waitFor('add', '/after.txt');
    expect(log.events.length).toBe(seen);
    await overlay.close();
    await writeFile(join(lowerDir, 'closed.txt'), 'closed');
    await new Promise((r) => setTimeout(r, 300));
    expect(later.events.some((e) => e.path === '/closed.txt')).toBe(false);
  });

  it('closes the view, not its layers', async () => {
    const { upper, lower } = await layers();
    const overlay = new OverlayFS([upper, lower]);
    const open = await overlay.open('/only-lower.txt');
    await overlay.close();
    await overlay.close();
    await rejectsWith(() => overlay.stat('/a.txt'), 'EBADF', '/a.txt');
    await rejectsWith(() => overlay.readdir('/'), 'EBADF', '/');
    await rejectsWith(() => overlay.tryOpenSync!('/a.txt'), 'EBADF', '/a.txt');
    expect(text(await readFile(upper, '/a.txt'))).toBe('upper a');
    expect((await open.stat()).size).toBe('only lower'.length);
    await open.close();
  });

  it('refuses bad layers with a TypeError naming them', async () => {
    const { lower } = await layers();
    expect(() => new OverlayFS([])).toThrow(/OverlayFS layers must be a non-empty array of FileSystems; got an empty array/);
    expect(() => new OverlayFS(lower as unknown as FileSystem[])).toThrow(/OverlayFS layers must be a non-empty array/);
    expect(() => new OverlayFS([lower, {} as FileSystem])).toThrow(/OverlayFS layer 1 must be a FileSystem/);
    expect(() => new OverlayFS([lower, 'dir' as unknown as FileSystem])).toThrow(/layer 1 .*got "dir"/);
  });

  it('can never become its own layer: its layers are a frozen copy', async () => {
    const { upper, lower } = await layers();
    const given: FileSystem[] = [upper, lower];
    const overlay = new OverlayFS(given);
    given.unshift(overlay);
    expect(overlay.layers).toEqual([upper, lower]);
    expect(Object.isFrozen(overlay.layers)).toBe(true);
    expect(text(await readFile(overlay, '/a.txt'))).toBe('upper a');
    const file: File | undefined = overlay.tryOpenSync!('/only-lower.txt');
    expect(text(file!.bytes!())).toBe('only lower');
    file!.closeSync!();
  });
});
