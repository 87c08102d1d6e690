// The named capabilities and their guards, the fallbacks of the helpers, and what the package
// keeps to itself.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@hotfs/core';
import {
  DiskFS,
  FsError,
  MemFS,
  hasBytes,
  hasCloseSync,
  hasStatSync,
  hasTryOpen,
  hasTryOpenSync,
  hasTryStat,
  hasWalk,
  readAll,
  readRange,
  release,
  tryOpen,
  tryStat,
  walk,
  MapFS,
  type File,
  type FileInfo,
  type FileSystem,
} from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture.remove();
});

/** Only the four required methods (a capability spelled as an undefined member is still absent). */
function plain(inner: FileSystem): FileSystem {
  const wrap = (file: File): File => ({
    stat: () => file.stat(),
    read: (into, position) => file.read(into, position),
    readdir: () => file.readdir(),
    close: () => file.close(),
    bytes: undefined,
  });
  return {
    open: async (path) => wrap(await inner.open(path)),
    stat: (path) => inner.stat(path),
    readdir: (path) => inner.readdir(path),
    close: () => inner.close(),
    tryOpen: undefined,
  };
}

describe('capability guards', () => {
  it('find every capability MemFS offers', async () => {
    const fs = await MemFS.mirror(fixture.root, { watch: false });
    try {
      expect([hasTryOpen(fs), hasTryStat(fs), hasTryOpenSync(fs)]).toEqual([true, true, true]);
      const file = await fs.open('/hello.txt');
      expect([hasBytes(file), hasStatSync(file), hasCloseSync(file)]).toEqual([true, true, true]);
      if (!hasBytes(file)) throw new Error('unreachable');
      expect(Buffer.from(file.bytes()).toString()).toBe('Hello, hotfs!\n');
      await file.close();
    } finally {
      await fs.close();
    }
  });

  it("find tryOpenSync on DiskFS only with io: 'sync'", () => {
    expect(hasTryOpenSync(new DiskFS(fixture.root, { io: 'sync' }))).toBe(true);
    expect(hasTryOpenSync(new DiskFS(fixture.root, { io: 'async' }))).toBe(false);
  });

  it('find nothing on a backend with only the required methods, and the helpers fall back', async () => {
    const fs = plain(new DiskFS(fixture.root, { io: 'async' }));
    expect([hasTryOpen(fs), hasTryStat(fs), hasTryOpenSync(fs)]).toEqual([false, false, false]);
    const file = (await tryOpen(fs, '/hello.txt'))!;
    expect([hasBytes(file), hasStatSync(file), hasCloseSync(file)]).toEqual([false, false, false]);
    expect(Buffer.from(await readAll(file)).toString()).toBe('Hello, hotfs!\n');
    expect(Buffer.from(await readRange(file, 7, 12)).toString()).toBe('hotfs');
    release(file);
    expect(await tryOpen(fs, '/missing/deeper')).toBeUndefined();
    expect(await tryStat(fs, '/missing')).toBeUndefined();
    expect((await tryStat(fs, '/hello.txt'))?.size).toBe(14);
    await expect(tryStat(fs, '/hello\0.txt')).rejects.toThrow(FsError);
  });
});

describe('walk', () => {
  const listAll = async (fs: FileSystem, path: string) => {
    const out: string[] = [];
    for await (const { path: p, info } of walk(fs, path)) out.push(`${p}${info.isDirectory ? '/' : `:${info.size}`}`);
    return out.sort();
  };

  it('falls back to a readdir recursion, every entry once with its stat info, missing start ENOENT, a file ENOTDIR', async () => {
    const fs = new MapFS({ '/a.txt': 'aa', '/d/b.txt': 'b', '/d/e/c.txt': 'ccc', '/empty/': {} });
    expect(hasWalk(fs)).toBe(false);
    expect(await listAll(fs, '/')).toEqual(['/a.txt:2', '/d/', '/d/b.txt:1', '/d/e/', '/d/e/c.txt:3', '/empty/']);
    expect(await listAll(fs, '/d/../d')).toEqual(['/d/b.txt:1', '/d/e/', '/d/e/c.txt:3']);
    await expect(listAll(fs, '/nope')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(listAll(fs, '/a.txt')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('keeps the fallback to a few listings at once, and uses the backend walk where offered', async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 40; i++) entries[`/d${i}/f.txt`] = String(i);
    const map = new MapFS(entries);
    let running = 0;
    let most = 0;
    const slow: FileSystem = {
      ...plain(map),
      readdir: async (path) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return map.readdir(path);
      },
    };
    expect(await listAll(slow, '/')).toHaveLength(80);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    const own = Object.assign(plain(map), {
      walk: async function* () {
        yield { path: '/only', info: { name: 'only', size: 0, mtimeMs: 0, isDirectory: true } };
      },
    });
    expect(hasWalk(own)).toBe(true);
    expect(await listAll(own, '/')).toEqual(['/only/']);
  });
});

// The README's capability example, verbatim.
/** The bytes of `path` when the backend hands them over at once, without a promise; else undefined. */
function bytesNow(fs: FileSystem, path: string): Uint8Array | undefined {
  if (!hasTryOpenSync(fs)) return undefined; // from here on, fs is a TryOpenSyncFS
  const file = fs.tryOpenSync(path);
  if (file === undefined) return undefined;
  try {
    return hasBytes(file) ? file.bytes() : undefined;
  } finally {
    release(file);
  }
}

describe('the README capability example', () => {
  it('hands over bytes without a promise where the backend can', async () => {
    const mem = await MemFS.mirror(fixture.root, { watch: false });
    try {
      expect(Buffer.from(bytesNow(mem, '/hello.txt')!).toString()).toBe('Hello, hotfs!\n');
      expect(bytesNow(mem, '/large.bin')?.length).toBe((await mem.stat('/large.bin')).size);
      expect(bytesNow(mem, '/missing')).toBeUndefined();
    } finally {
      await mem.close();
    }
    const sync = new DiskFS(fixture.root, { io: 'sync' });
    expect(Buffer.from(bytesNow(sync, '/hello.txt')!).toString()).toBe('Hello, hotfs!\n');
    expect(bytesNow(sync, '/large.bin')).toBeUndefined(); // over SYNC_READ_LIMIT: no bytes()
    expect(bytesNow(new DiskFS(fixture.root, { io: 'async' }), '/hello.txt')).toBeUndefined();
  });
});

describe('public surface', () => {
  it('keeps internals out of @hotfs/core', () => {
    for (const name of ['resolveRoot', 'checkSymlinkPolicy', 'infoFromStats', 'DirectoryFile', 'toFsError', 'checkPosition']) {
      expect(core, name).not.toHaveProperty(name);
    }
  });

  it('has no method that returns a host path', () => {
    const fs = new DiskFS(fixture.root);
    expect('resolve' in fs).toBe(false);
    expect(fs.root).toBe(fixture.root); // a documented property, the served directory itself
  });

  it('resolves for require() too (the export map has a default condition)', () => {
    const require = createRequire(import.meta.url);
    expect(require.resolve('@hotfs/core')).toMatch(/packages\/core\/dist\/index\.js$/);
    expect(require.resolve('@hotfs/core/conformance')).toMatch(/packages\/core\/dist\/conformance\/index\.js$/);
  });

  // The type is checked by `tsc -p tsconfig.test.json`: the directive fails it if a field is writable.
  it('hands out FileInfo as read-only: MemFS shares one frozen object between callers', async () => {
    const fs = await MemFS.mirror(fixture.root, { watch: false });
    try {
      const info: FileInfo = await fs.stat('/hello.txt');
      expect(() => {
        // @ts-expect-error FileInfo is readonly
        info.size = 0;
      }).toThrow(TypeError);
      expect(await fs.stat('/hello.txt')).toBe(info);
    } finally {
      await fs.close();
    }
  });
});
