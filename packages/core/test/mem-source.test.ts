// MemFS.mirror over a FileSystem instead of a directory: real backends (VolumeFS with its change
// feed, MapFS, DiskFS of a temp dir seen as a plain FileSystem without one), wrapped only to count
// calls or to make them fail.
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Volume } from 'memfs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, FsError, MapFS, MemFS, VolumeFS, readFile, walk, type File, type FileInfo, type FileSystem, type MapFSValue, type WalkEntry } from '@hotfs/core';
import { createFixture, formatReport, runConformance, type ChangeDriver, type Fixture } from '@hotfs/core/conformance';
import { eventually, recordingLogger, tempDir } from './support.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

let fixture: Fixture;
let truth: DiskFS;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  fixture = await createFixture();
  truth = new DiskFS(fixture.root);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => fixture.remove());

/** Every entry DiskFS shows of the fixture, with content for files. */
async function entriesOf(fs: FileSystem): Promise<{ path: string; info: FileInfo; bytes?: Uint8Array }[]> {
  const out: { path: string; info: FileInfo; bytes?: Uint8Array }[] = [{ path: '/', info: await fs.stat('/') }];
  for await (const { path, info } of walk(fs, '/')) out.push(info.isDirectory ? { path, info } : { path, info, bytes: await readFile(fs, path) });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A mirror closed after the test. */
async function mirror(source: FileSystem, options: Parameters<typeof MemFS.mirror>[1] = {}): Promise<MemFS> {
  const fs = await MemFS.mirror(source, options);
  cleanups.push(() => fs.close());
  return fs;
}

/** Changes made on disk in `root`. */
function diskDriver(root: string): ChangeDriver {
  return {
    write: async (path, data) => {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), data);
    },
    remove: (path) => rm(join(root, path), { recursive: true, force: true }),
    mkdir: async (path) => void (await mkdir(join(root, path), { recursive: true })),
  };
}

interface Wrapped extends FileSystem {
  counts: { open: number; readdir: number; walk: number };
  /** Every call answers this FsError code while set. */
  failing?: string;
  /** Reads of files answer this code while set (the open and stat still work). */
  failingReads?: string;
  /** Each open waits this long first (a far-away source). */
  openDelayMs?: number;
}

/**
 * The real backend behind only the four required methods (no feed, no tryOpenSync), counting calls
 * and failing on demand; `withWalk` adds a walk of its own (the inner backend's readdir recursion,
 * not counted as this wrapper's readdir).
 */
function wrap(inner: FileSystem, withWalk = false): Wrapped {
  const fail = (path: string): void => {
    if (fs.failing) throw new FsError(fs.failing, path);
  };
  const file = (f: File, path: string): File => ({
    stat: () => f.stat(),
    read: async (into, position) => {
      if (fs.failingReads) throw new FsError(fs.failingReads, path);
      return f.read(into, position);
    },
    readdir: () => f.readdir(),
    close: () => f.close(),
  });
  const fs: Wrapped = {
    counts: { open: 0, readdir: 0, walk: 0 },
    open: async (path) => {
      fail(path);
      fs.counts.open++;
      if (fs.openDelayMs) await new Promise((resolve) => setTimeout(resolve, fs.openDelayMs));
      return file(await inner.open(path), path);
    },
    stat: async (path) => (fail(path), inner.stat(path)),
    readdir: async (path) => {
      fail(path);
      fs.counts.readdir++;
      return inner.readdir(path);
    },
    close: () => inner.close(),
  };
  if (withWalk) {
    Object.assign(fs, {
      walk: async function* (path: string): AsyncGenerator<WalkEntry> {
        fail(path);
        fs.counts.walk++;
        yield* walk(inner, path);
      },
    });
  }
  return fs;
}

/** A temp dir holding a few files, served by DiskFS. */
async function smallDir(): Promise<{ dir: string; disk: DiskFS }> {
  const { dir, remove } = await tempDir('hotfs-msrc-');
  cleanups.push(remove);
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'a.txt'), 'a1');
  await writeFile(join(dir, 'sub/b.txt'), 'b1');
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(10_000, 7));
  return { dir, disk: new DiskFS(dir) };
}

describe('MemFS over a FileSystem conforms', () => {
  it('over VolumeFS (change feed), driven by writes to the Volume', async () => {
    const vol = new Volume();
    const entries = await entriesOf(truth);
    for (const { path, info, bytes } of entries) {
      if (info.isDirectory) vol.mkdirSync(path, { recursive: true });
      else vol.writeFileSync(path, bytes!);
    }
    for (const { path, info } of entries.reverse()) vol.utimesSync(path, info.mtimeMs / 1000, info.mtimeMs / 1000);
    const fs = await mirror(new VolumeFS(vol), { reconcileIntervalMs: 0 });
    expect(fs.root).toBe('<VolumeFS>');
    const changes: ChangeDriver = {
      write: async (path, data) => {
        vol.mkdirSync(dirname(path), { recursive: true });
        vol.writeFileSync(path, data);
      },
      remove: async (path) => vol.rmSync(path, { recursive: true, force: true }),
      mkdir: async (path) => void vol.mkdirSync(path, { recursive: true }),
    };
    const report = await runConformance(fs, truth, { secretPath: fixture.secretPath, capabilities: { changes } });
    console.log(formatReport('MemFS(VolumeFS)', report));
    expect(report.failures).toEqual([]);
    expect(report.skipped.map((s) => s.check)).toEqual(['hidden paths']);
  });

  it('over MapFS (change feed), driven by set/delete', async () => {
    const values = new Map<string, MapFSValue>();
    for (const { path, info, bytes } of await entriesOf(truth))
      values.set(info.isDirectory && path !== '/' ? `${path}/` : path, { ...(bytes ? { data: bytes } : {}), mtimeMs: info.mtimeMs });
    const map = new MapFS(values);
    const fs = await mirror(map, { reconcileIntervalMs: 0 });
    const changes: ChangeDriver = {
      write: async (path, data) => void map.set(path, data),
      remove: async (path) => void map.delete(path),
      mkdir: async (path) => void map.set(`${path}/`, {}),
    };
    const report = await runConformance(fs, truth, { secretPath: fixture.secretPath, capabilities: { changes } });
    console.log(formatReport('MemFS(MapFS)', report));
    expect(report.failures).toEqual([]);
  });

  it('over DiskFS of a temp dir as a plain FileSystem (no feed: the reconcile follows), driven by writes on disk', async () => {
    const { dir, remove } = await tempDir('hotfs-msrc-fixture-');
    cleanups.push(remove);
    await cp(fixture.root, join(dir, 'root'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const root = join(dir, 'root');
    const fs = await mirror(wrap(new DiskFS(root)), { reconcileIntervalMs: 150 });
    const report = await runConformance(fs, root, { capabilities: { changes: diskDriver(root) } });
    console.log(formatReport('MemFS(plain DiskFS)', report));
    expect(report.failures).toEqual([]);
    expect(report.passed).toContain('change feed');
  });
});

describe('MemFS over a FileSystem follows changes', () => {
  it('over a change feed: a write is served within ~100 ms, with no reconcile', async () => {
    const vol = Volume.fromJSON({ '/a.txt': 'v1' });
    const fs = await mirror(new VolumeFS(vol), { reconcileIntervalMs: 0 });
    const started = performance.now();
    vol.writeFileSync('/a.txt', 'v2');
    await eventually(async () => expect(text(await readFile(fs, '/a.txt'))).toBe('v2'), 1000, 2);
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('without a feed: a change, an add and a delete are served within reconcileIntervalMs + 1 s', async () => {
    const { dir, disk } = await smallDir();
    const fs = await mirror(wrap(disk), { reconcileIntervalMs: 300 });
    const started = performance.now();
    await writeFile(join(dir, 'a.txt'), 'a2, longer');
    await writeFile(join(dir, 'sub/new.txt'), 'new');
    await rm(join(dir, 'sub/b.txt'));
    await eventually(async () => {
      expect(text(await readFile(fs, '/a.txt'))).toBe('a2, longer');
      expect(text(await readFile(fs, '/sub/new.txt'))).toBe('new');
      expect(await fs.tryStat('/sub/b.txt')).toBeUndefined();
    }, 1300);
    expect(performance.now() - started).toBeLessThan(1300);
  });

  it('a slow first load does not put the first reconcile off: only a reconcile spaces the next one', async () => {
    const { dir, disk } = await smallDir();
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeFile(join(dir, `f${i}.txt`), `v1 ${i}`)));
    const source = wrap(disk);
    source.openDelayMs = 25;
    // 200 reads 16 at a time, 25 ms each: a load of ~0.3 s, which at 25x would mean ~8 s to the first reconcile.
    const fs = await mirror(source, { reconcileIntervalMs: 300 });
    source.openDelayMs = 0;
    await writeFile(join(dir, 'f7.txt'), 'v2 7');
    await eventually(async () => expect(text(await readFile(fs, '/f7.txt'))).toBe('v2 7'), 1300);
  });

  it('reads nothing again in a reconcile of an unchanged source, and re-reads only what changed', async () => {
    const { dir, disk } = await smallDir();
    const source = wrap(disk);
    const fs = await mirror(source, { reconcileIntervalMs: 0 });
    expect(source.counts.open).toBe(3);
    await fs.rescan();
    await fs.rescan();
    expect(source.counts.open).toBe(3);
    await writeFile(join(dir, 'sub/b.txt'), 'b2');
    await fs.rescan();
    expect(source.counts.open).toBe(4);
    expect(text(await readFile(fs, '/sub/b.txt'))).toBe('b2');
  });

  it('lists a feedless source with its own walk, never a readdir per directory', async () => {
    const { dir, disk } = await smallDir();
    const source = wrap(disk, true);
    const fs = await mirror(source, { reconcileIntervalMs: 0 });
    await writeFile(join(dir, 'sub/c.txt'), 'c');
    await fs.rescan();
    expect(text(await readFile(fs, '/sub/c.txt'))).toBe('c');
    expect(source.counts).toMatchObject({ readdir: 0, walk: 2 });
  });
});

describe('MemFS over a FileSystem keeps its guarantees', () => {
  it('an open file keeps its version; the ETag is the SHA-256 of the bytes held, the same in every replica', async () => {
    const { dir, disk } = await smallDir();
    const fs = await mirror(wrap(disk), { reconcileIntervalMs: 0 });
    const other = await mirror(new DiskFS(dir), { reconcileIntervalMs: 0 });
    const open = await fs.open('/a.txt');
    const tag = (await open.stat()).etag;
    expect(tag).toBe((await other.stat('/a.txt')).etag);
    await writeFile(join(dir, 'a.txt'), 'a2');
    await fs.rescan();
    expect(text(await readFile(fs, '/a.txt'))).toBe('a2');
    expect(text(open.bytes!())).toBe('a1');
    expect((await open.stat()).etag).toBe(tag);
    await open.close();
  });

  it('never stores a torn read: the old version stays until a whole read succeeds', async () => {
    const { dir, disk } = await smallDir();
    const source = wrap(disk);
    const fs = await mirror(source, { reconcileIntervalMs: 0 });
    source.failingReads = 'ESTALE';
    await writeFile(join(dir, 'a.txt'), 'a2');
    await fs.rescan();
    expect(text(await readFile(fs, '/a.txt'))).toBe('a1');
    source.failingReads = undefined;
    await eventually(async () => expect(text(await readFile(fs, '/a.txt'))).toBe('a2'), 2000);
  });

  it('holds at most maxBytes; a file past it is served from the source, and a changed one answers ESTALE, never a mix', async () => {
    const { dir, disk } = await smallDir();
    const fs = await mirror(wrap(disk), { reconcileIntervalMs: 0, maxBytes: 1000 });
    expect(fs.size).toMatchObject({ files: 2, filesOnDisk: 1 });
    expect(fs.size.bytes).toBeLessThanOrEqual(1000);
    expect(await readFile(fs, '/big.bin')).toEqual(new Uint8Array(10_000).fill(7));
    const held = fs.tryOpenSync('/big.bin')!;
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(10_000, 8));
    await expect(held.read(new Uint8Array(10), 0)).rejects.toMatchObject({ code: 'ESTALE' });
    await held.close();
    await fs.rescan();
    expect(await readFile(fs, '/big.bin')).toEqual(new Uint8Array(10_000).fill(8));
  });
});

describe('MemFS over a failing FileSystem', () => {
  it('keeps serving its last good state, logs once per outage and once on recovery, then catches up', async () => {
    const { dir, disk } = await smallDir();
    const source = wrap(disk);
    const logger = recordingLogger();
    const fs = await mirror(source, { reconcileIntervalMs: 50, logger });
    const before = logger.lines.length;
    source.failing = 'EIO';
    await writeFile(join(dir, 'a.txt'), 'during');
    await fs.rescan();
    await fs.rescan();
    await new Promise((r) => setTimeout(r, 300));
    expect(text(await readFile(fs, '/a.txt'))).toBe('a1');
    expect(text(await readFile(fs, '/sub/b.txt'))).toBe('b1');
    const errors = logger.lines.slice(before).filter((l) => l.startsWith('error'));
    expect(errors, logger.lines.join('\n')).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot read <FileSystem>: EIO/);
    source.failing = undefined;
    await eventually(async () => expect(text(await readFile(fs, '/a.txt'))).toBe('during'), 2000);
    await fs.rescan();
    expect(
      logger.lines.slice(before).filter((l) => /has caught up/.test(l)),
      logger.lines.join('\n'),
    ).toHaveLength(1);
    source.failing = 'EIO';
    await fs.rescan();
    expect(logger.lines.slice(before).filter((l) => l.startsWith('error'))).toHaveLength(2);
  });

  it('rejects the first load with the FsError', async () => {
    const { disk } = await smallDir();
    const source = wrap(disk);
    source.failing = 'EACCES';
    await expect(MemFS.mirror(source)).rejects.toMatchObject({ code: 'EACCES' });
  });
});

describe('MemFS.mirror options for a FileSystem source', () => {
  it('refuses the options that describe a host directory, naming them', async () => {
    const map = new MapFS({ '/a.txt': 'a' });
    await expect(MemFS.mirror(map, { symlinks: 'follow' })).rejects.toThrow(/option 'symlinks'/);
    await expect(MemFS.mirror(map, { settleMs: 10 })).rejects.toThrow(/option 'settleMs'/);
    await expect(MemFS.mirror(wrap(map), { serveWhileLoading: true })).rejects.toThrow(/option 'serveWhileLoading'.*tryOpenSync/);
    await expect(MemFS.mirror(42 as never)).rejects.toThrow(TypeError);
  });

  it('answers from the source while loading, leaves the source open on close, and says what it mirrors', async () => {
    const map = new MapFS({ '/a.txt': 'a', '/d/b.txt': 'b' });
    const fs = await MemFS.mirror(map, { serveWhileLoading: true });
    expect(text(await readFile(fs, '/d/b.txt'))).toBe('b');
    await fs.mirrored();
    expect(fs.source).toBe(map);
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a.txt', 'd']);
    await fs.close();
    expect(text(await readFile(map, '/a.txt'))).toBe('a');
  });
});
