import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CacheFS,
  DiskFS,
  FsError,
  MapFS,
  hasBytes,
  hasChangeFeed,
  hasTryOpenSync,
  readAll,
  readFile,
  type ChangeEvent,
  type File,
  type FileInfo,
  type FileSystem,
  type Logger,
} from '@hotfs/core';
import { runConformance, formatReport } from '@hotfs/core/conformance';
import { names, rejectsWith, scratch, suiteFixture, text } from './wrap-support.js';

const { tree } = scratch();

/**
 * A real backend seen through a wrapper that counts the calls reaching it and, once `failing` is
 * set, fails every one with EIO as an unreachable store would. Instrumentation, not a mock: every
 * answer comes from the backend below.
 */
class Counting implements FileSystem {
  calls = { open: 0, stat: 0, readdir: 0 };
  failing = false;
  constructor(readonly inner: FileSystem) {}
  #gate(path: string): void {
    if (this.failing) throw new FsError('EIO', path, 'source unreachable');
  }
  async open(path: string): Promise<File> {
    this.calls.open++;
    this.#gate(path);
    return this.inner.open(path);
  }
  async stat(path: string): Promise<FileInfo> {
    this.calls.stat++;
    this.#gate(path);
    return this.inner.stat(path);
  }
  async readdir(path: string): Promise<FileInfo[]> {
    this.calls.readdir++;
    this.#gate(path);
    return this.inner.readdir(path);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A Logger that keeps its lines. */
function lines(): Logger & { lines: string[] } {
  const out: string[] = [];
  return { lines: out, info: (m) => out.push(`info ${m}`), warn: (m) => out.push(`warn ${m}`), error: (m) => out.push(`error ${m}`) };
}

/** A cache over a counting DiskFS of a new temp tree. */
async function cached(files: Record<string, string>, options: Partial<ConstructorParameters<typeof CacheFS>[1]> = {}) {
  const dir = await tree(files);
  const source = new Counting(new DiskFS(dir));
  const cache = new CacheFS(source, { maxBytes: 1 << 20, maxAge: 60_000, ...options });
  return { dir, source, cache };
}

const later = (ms: number): void => void vi.setSystemTime(Date.now() + ms);

afterEach(() => {
  vi.useRealTimers();
});

describe('CacheFS conformance', () => {
  const fixture = suiteFixture();

  it.each([
    ['everything held, trusted for a minute', { maxBytes: 64 << 20, maxAge: 60_000 }],
    // The 5 MiB file passes through, held files evict each other, every answer is revalidated.
    ['1 MiB held, revalidating every time', { maxBytes: 1 << 20, maxAge: 0 }],
  ])('over DiskFS (%s) serves the fixture cold, then warm', async (_, options) => {
    const cache = new CacheFS(new DiskFS(fixture.root), options);
    for (const pass of ['cold', 'warm']) {
      const report = await runConformance(cache, fixture.root, fixture.options());
      console.log(formatReport(`CacheFS over DiskFS, ${pass}`, report));
      expect(report.failures).toEqual([]);
    }
    expect(cache.usage.bytes).toBeLessThanOrEqual(options.maxBytes);
    expect(cache.usage.bytes).toBeGreaterThan(0);
  });

  it('over MapFS follows its change feed, cold then warm', async () => {
    const data = { 'index.html': '<h1>hi</h1>', 'docs/a b.txt': 'spaced name', 'docs/deep/x.md': '# x', 'empty/': '', 'zero.txt': '' };
    const map = new MapFS(Object.fromEntries(Object.entries(data).map(([k, v]) => [`/${k}`, k.endsWith('/') ? {} : v])));
    const changes = {
      write: async (path: string, bytes: string | Uint8Array) => void map.set(path, bytes),
      remove: async (path: string) => void map.delete(path),
      mkdir: async (path: string) => void map.set(path + '/', {}),
    };
    // Trusted forever: only the feed can make the cache see the kit's changes.
    const cache = new CacheFS(map, { maxBytes: 1 << 20, maxAge: Infinity });
    for (const pass of ['cold', 'warm']) {
      const report = await runConformance(cache, data, { capabilities: { changes } });
      console.log(formatReport(`CacheFS over MapFS, ${pass}`, report));
      expect(report.failures).toEqual([]);
      expect(report.passed).toContain('change feed');
    }
  });
});

describe('CacheFS', () => {
  it('refuses bad options with a TypeError naming the option', () => {
    const disk = new DiskFS('.');
    expect(() => new CacheFS({} as FileSystem, { maxBytes: 1, maxAge: 1 })).toThrow(/CacheFS source must be a FileSystem/);
    expect(() => new CacheFS(disk, { maxBytes: 0, maxAge: 1 })).toThrow(/'maxBytes' must be a positive integer/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAge: -1 })).toThrow(/'maxAge' must be a number of milliseconds/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAge: NaN })).toThrow(/'maxAge'/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAge: 1, maxFileSize: 11 })).toThrow(/'maxFileSize' must be an integer from 0 to maxBytes \(10\)/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAge: 1, maxEntries: 0 })).toThrow(/'maxEntries'/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAge: 1, logger: {} as Logger })).toThrow(/'logger' must have info, warn and error/);
    expect(() => new CacheFS(disk, { maxBytes: 10, maxAgeMs: 1 } as never)).toThrow(/no option 'maxAgeMs'/);
    expect(new CacheFS(disk, { maxBytes: 800, maxAge: 0 }).options.maxFileSize).toBe(100);
  });

  it('evicts the least recently used file when a new one does not fit', async () => {
    const body = (c: string) => c.repeat(100);
    const { source, cache } = await cached({ a: body('a'), b: body('b'), c: body('c'), d: body('d') }, { maxBytes: 300, maxFileSize: 100 });
    for (const p of ['/a', '/b', '/c', '/a']) await readFile(cache, p);
    expect(source.calls.open).toBe(3);
    await readFile(cache, '/d'); // b is the least recently used: a was read again after it
    expect(source.calls.open).toBe(4);
    expect(cache.usage).toMatchObject({ bytes: 300, files: 3 });
    for (const p of ['/a', '/c', '/d']) expect(text(await readFile(cache, p))).toBe(body(p[1]!));
    expect(source.calls.open).toBe(4);
    expect(text(await readFile(cache, '/b'))).toBe(body('b'));
    expect(source.calls.open).toBe(5);
  });

  it('opens files bigger than maxFileSize from the source every time', async () => {
    const { source, cache } = await cached({ big: 'x'.repeat(101), small: 'y' }, { maxBytes: 1000, maxFileSize: 100 });
    for (let i = 0; i < 3; i++) {
      const file = await cache.open('/big');
      expect((await readAll(file)).length).toBe(101);
      await file.close();
    }
    expect(source.calls.open).toBe(3);
    expect(cache.usage.bytes).toBe(0);
  });

  it('serves the old version within maxAge, then revalidates: a changed file is read again, an unchanged one only stat-ed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { dir, source, cache } = await cached({ 'a.txt': 'version one' }, { maxAge: 1000 });
    expect(text(await readFile(cache, '/a.txt'))).toBe('version one');
    await writeFile(join(dir, 'a.txt'), 'version two, longer');
    later(999);
    expect(text(await readFile(cache, '/a.txt'))).toBe('version one'); // documented: up to maxAge late
    expect((await cache.stat('/a.txt')).size).toBe(11);
    expect(source.calls).toEqual({ open: 1, stat: 0, readdir: 0 });
    later(2);
    expect(text(await readFile(cache, '/a.txt'))).toBe('version two, longer');
    expect(source.calls).toEqual({ open: 2, stat: 1, readdir: 0 });
    later(1001);
    expect(text(await readFile(cache, '/a.txt'))).toBe('version two, longer');
    expect(source.calls).toEqual({ open: 2, stat: 2, readdir: 0 });
    // A stat revalidates the held file too: no read follows.
    later(1001);
    expect((await cache.stat('/a.txt')).size).toBe(19);
    expect(text(await readFile(cache, '/a.txt'))).toBe('version two, longer');
    expect(source.calls).toEqual({ open: 2, stat: 3, readdir: 0 });
    await rm(join(dir, 'a.txt'));
    later(1001);
    await rejectsWith(() => cache.open('/a.txt'), 'ENOENT', '/a.txt');
    expect(cache.usage.files).toBe(0);
  });

  it('remembers stats, misses and listings for maxAge', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { dir, source, cache } = await cached({ 'd/x.txt': 'x', 'd/y.txt': 'y' }, { maxAge: 1000 });
    for (let i = 0; i < 3; i++) {
      expect(names(await cache.readdir('/d'))).toEqual(['x.txt', 'y.txt']);
      expect((await cache.stat('/d/x.txt')).size).toBe(1);
      expect(await cache.tryStat('/nope')).toBeUndefined();
      expect(await cache.tryOpen('/nope')).toBeUndefined();
      await rejectsWith(() => cache.stat('/nope'), 'ENOENT', '/nope');
    }
    expect(source.calls).toEqual({ open: 0, stat: 2, readdir: 1 });
    // A directory whose stat the cache holds opens and lists from what the cache knows.
    expect((await cache.stat('/d')).isDirectory).toBe(true);
    const d = await cache.open('/d');
    expect(names(await d.readdir())).toEqual(['x.txt', 'y.txt']);
    await d.close();
    expect(source.calls).toEqual({ open: 0, stat: 3, readdir: 1 });
    await rejectsWith(() => cache.readdir('/d/x.txt'), 'ENOTDIR', '/d/x.txt');
    await writeFile(join(dir, 'd/z.txt'), 'z');
    later(1001);
    expect(names(await cache.readdir('/d'))).toEqual(['x.txt', 'y.txt', 'z.txt']);
  });

  it('bounds its metadata by maxEntries', async () => {
    const { cache } = await cached({ 'a/1': '', 'a/2': '' }, { maxEntries: 5 });
    for (let i = 0; i < 20; i++) await cache.tryStat(`/missing-${i}`);
    await cache.readdir('/a');
    expect(cache.usage.entries).toBeLessThanOrEqual(5);
  });

  it('keeps the use order exact when the newest file is read again and again', async () => {
    const body = (c: string) => c.repeat(100);
    const { source, cache } = await cached({ a: body('a'), b: body('b'), c: body('c') }, { maxBytes: 200, maxFileSize: 100 });
    // a is the newest twice in a row (nothing moves), then b is stored after it, then a is used again.
    for (const p of ['/a', '/a', '/b', '/a']) await readFile(cache, p);
    await readFile(cache, '/c'); // b is the least recently used now
    expect(source.calls.open).toBe(3);
    for (const p of ['/a', '/c']) await readFile(cache, p);
    expect(source.calls.open).toBe(3);
    await readFile(cache, '/b');
    expect(source.calls.open).toBe(4);
  });

  it('keeps an open file on its version across a refresh and an eviction', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { dir, cache } = await cached({ 'a.txt': 'AAAA', 'b.txt': 'BBBB' }, { maxBytes: 4, maxFileSize: 4, maxAge: 1000 });
    const first = await cache.open('/a.txt');
    await writeFile(join(dir, 'a.txt'), 'AAAA, changed');
    later(1001);
    const second = await cache.open('/a.txt');
    expect(text(second.bytes!())).toBe('AAAA, changed'); // too big to hold now: passed through, read
    await second.close();
    await readFile(cache, '/b.txt'); // evicts whatever was held
    expect(text(first.bytes!())).toBe('AAAA');
    const into = new Uint8Array(10);
    expect(text(into.subarray(0, await first.read(into, 0)))).toBe('AAAA');
    expect((await first.stat()).size).toBe(4);
    await first.close();
  });

  it('shares one source call among concurrent requests (no stampede)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { dir, source, cache } = await cached({ 'hot.txt': 'hot' }, { maxAge: 1000 });
    const cold = await Promise.all(Array.from({ length: 10 }, () => readFile(cache, '/hot.txt')));
    expect(cold.map(text)).toEqual(Array(10).fill('hot'));
    expect(source.calls).toEqual({ open: 1, stat: 0, readdir: 0 });
    await writeFile(join(dir, 'hot.txt'), 'hotter');
    later(1001);
    const stale = await Promise.all(Array.from({ length: 10 }, () => readFile(cache, '/hot.txt')));
    expect(stale.map(text)).toEqual(Array(10).fill('hotter'));
    expect(source.calls).toEqual({ open: 2, stat: 1, readdir: 0 });
  });

  it('hands out the held buffer itself: bytes() is one object for every open', async () => {
    const { cache } = await cached({ 'a.txt': 'shared' });
    const [one, two] = [await cache.open('/a.txt'), await cache.open('/a.txt')];
    expect(hasBytes(one)).toBe(true);
    expect(one.bytes!()).toBe(one.bytes!());
    expect(one.bytes!()).toBe(two.bytes!());
    expect(one.statSync!()).toBe(await two.stat());
    one.closeSync!();
    await two.close();
    expect(hasTryOpenSync(cache)).toBe(false);
  });

  it('serves what it holds stale while the source fails, logging the outage once and the recovery once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const logger = lines();
    const { source, cache } = await cached({ 'a.txt': 'held', 'b.txt': 'never read', 'd/x': 'x' }, { maxAge: 1000, logger });
    await readFile(cache, '/a.txt');
    await cache.readdir('/d');
    await cache.tryStat('/gone');
    source.failing = true;
    later(1001);
    for (let i = 0; i < 3; i++) {
      expect(text(await readFile(cache, '/a.txt'))).toBe('held');
      expect((await cache.stat('/a.txt')).size).toBe(4);
      expect(names(await cache.readdir('/d'))).toEqual(['x']);
      expect(await cache.tryStat('/gone')).toBeUndefined();
      await rejectsWith(() => cache.open('/b.txt'), 'EIO', '/b.txt');
      await rejectsWith(() => cache.stat('/d/x'), 'EIO', '/d/x');
    }
    expect(logger.lines).toEqual([expect.stringMatching(/^warn CacheFS: the source is failing \(EIO: source unreachable/)]);
    // What failed to revalidate is trusted for another maxAge: the outage costs no call per request.
    const calls = { ...source.calls };
    await readFile(cache, '/a.txt');
    expect(source.calls).toEqual(calls);
    source.failing = false;
    later(1001);
    expect(text(await readFile(cache, '/b.txt'))).toBe('never read');
    expect(text(await readFile(cache, '/a.txt'))).toBe('held');
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]).toMatch(/^info CacheFS: the source answers again after \d+\.\d s/);
    source.failing = true;
    later(1001);
    await readFile(cache, '/a.txt');
    expect(logger.lines).toHaveLength(3); // a new outage is a new line
  });

  it('drops what a change event touches and forwards the feed; without a feed it has none', async () => {
    const map = new MapFS({ '/a.txt': 'one', '/d/b.txt': 'b' });
    const cache = new CacheFS(map, { maxBytes: 100, maxAge: Infinity });
    expect(hasChangeFeed(cache)).toBe(true);
    expect(hasChangeFeed(new CacheFS(new DiskFS('.'), { maxBytes: 1, maxAge: 0 }))).toBe(false);
    const seen: [ChangeEvent, string][] = [];
    // Inside the listener the cache already shows the change.
    cache.watch!((event) => void readFile(cache, event.path).then((b) => seen.push([event, text(b)])));
    expect(text(await readFile(cache, '/a.txt'))).toBe('one');
    expect(names(await cache.readdir('/d'))).toEqual(['b.txt']);
    map.set('/a.txt', 'two');
    map.set('/d/c.txt', 'c');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen).toEqual([
      [{ type: 'change', path: '/a.txt' }, 'two'],
      [{ type: 'add', path: '/d/c.txt' }, 'c'],
    ]);
    expect(names(await cache.readdir('/d'))).toEqual(['b.txt', 'c.txt']);
  });

  it('close drops the cache and leaves the source open; files already open still read', async () => {
    const { source, cache } = await cached({ 'a.txt': 'still here' });
    const file = await cache.open('/a.txt');
    await cache.close();
    await rejectsWith(() => cache.open('/a.txt'), 'EBADF', '/a.txt');
    await rejectsWith(() => cache.stat('/a.txt'), 'EBADF', '/a.txt');
    await rejectsWith(() => cache.readdir('/'), 'EBADF', '/');
    expect(cache.usage).toEqual({ bytes: 0, files: 0, entries: 0 });
    expect(text(await readAll(file))).toBe('still here');
    await file.close();
    expect((await source.stat('/a.txt')).size).toBe(10);
  });
});
