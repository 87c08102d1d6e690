import { createWriteStream, readdirSync } from 'node:fs';
import { readFile, readdir, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { ZipFS, hasBytes, hasStatSync, hasTryOpenSync, readAll, readFile as readHotfs } from '@hotfs/core';
import { checkFileSystem, createFixture, patternBytes, type Fixture } from '@hotfs/core/conformance';
import { tempDir } from './support.js';
import { buildZip } from './zip-writer.js';

// Zip times are whole seconds at best: the fixture gets whole-second times before it is archived,
// so the conformance kit can compare mtimes exactly.
const WHEN = new Date('2024-05-06T07:08:10Z');
const DEFLATED = new Set(['large.bin', 'hello.txt', 'docs/guide/deep.md', 'empty.txt', 'ünïcødé €.txt']);

let fixture: Fixture;
let work: { dir: string; remove: () => Promise<void> };
let archive: string;

async function walk(root: string, dir = root): Promise<{ path: string; isDir: boolean }[]> {
  const out: { path: string; isDir: boolean }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const host = join(dir, entry.name);
    out.push({ path: relative(root, host), isDir: entry.isDirectory() });
    if (entry.isDirectory()) out.push(...(await walk(root, host)));
  }
  return out;
}

/** Archives a directory with yazl, deflating the names in `deflated` and storing the rest. */
async function zipDirectory(root: string, to: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const { path, isDir } of await walk(root)) {
    if (isDir) zip.addEmptyDirectory(path, { mtime: WHEN });
    else zip.addBuffer(await readFile(join(root, path)), path, { mtime: WHEN, compress: DEFLATED.has(path) });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(to));
}

beforeAll(async () => {
  fixture = await createFixture({ symlinks: false });
  work = await tempDir('hotfs-zip-');
  for (const { path } of await walk(fixture.root)) await utimes(join(fixture.root, path), WHEN, WHEN);
  await utimes(fixture.root, WHEN, WHEN);
  archive = join(work.dir, 'fixture.zip');
  await zipDirectory(fixture.root, archive);
  await utimes(archive, WHEN, WHEN); // the root directory takes the archive's mtime
});
afterAll(async () => {
  await fixture.remove();
  await work.remove();
});

describe('ZipFS conformance', () => {
  for (const preloadBytes of [0, 64 * 1024 * 1024]) {
    it(`serves the fixture archive like the directory it was made from (${preloadBytes ? 'archive in memory' : 'pread from disk'})`, async () => {
      const fs = await ZipFS.open(archive, { preloadBytes });
      try {
        expect(fs.warnings).toEqual([]);
        expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
      } finally {
        await fs.close();
      }
    });
  }
});

describe('ZipFS reads', () => {
  it('reads arbitrary ranges of stored and deflated entries, from disk and from memory', async () => {
    const large = await readFile(join(fixture.root, 'large.bin'));
    const medium = await readFile(join(fixture.root, 'medium.bin'));
    for (const preloadBytes of [0, 64 * 1024 * 1024]) {
      const fs = await ZipFS.open(archive, { preloadBytes });
      for (const [path, want] of [
        ['/large.bin', large],
        ['/medium.bin', medium],
      ] as const) {
        const file = await fs.open(path);
        let seed = 12345;
        const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
        for (let i = 0; i < 200; i++) {
          const position = next() % (want.length + 10);
          const into = new Uint8Array(1 + (next() % 70_000));
          const n = await file.read(into, position);
          const expected = want.subarray(position, position + into.length);
          expect(n).toBe(expected.length);
          expect(Buffer.from(into.subarray(0, n)).equals(expected)).toBe(true);
        }
        await file.close();
      }
      await fs.close();
    }
  });

  it('serves concurrent first reads of one deflated entry, all correct', async () => {
    const fs = await ZipFS.open(archive, { preloadBytes: 0 });
    const want = await readFile(join(fixture.root, 'large.bin'));
    const files = await Promise.all(Array.from({ length: 16 }, () => fs.open('/large.bin')));
    const got = await Promise.all(files.map((f) => readAll(f)));
    for (const bytes of got) expect(Buffer.from(bytes).equals(want)).toBe(true);
    await Promise.all(files.map((f) => f.close()));
    await fs.close();
  });

  it('opens without I/O; a cached deflated entry and a stored entry of an archive in memory offer zero-copy bytes()', async () => {
    const fs = await ZipFS.open(archive);
    expect(hasTryOpenSync(fs)).toBe(true);
    const cold = fs.tryOpenSync('/hello.txt')!;
    expect(hasBytes(cold)).toBe(false); // not inflated yet
    expect(new TextDecoder().decode(await readAll(cold))).toBe('Hello, hotfs!\n');
    await cold.close();
    const a = fs.tryOpenSync('/hello.txt')!;
    const b = fs.tryOpenSync('/hello.txt')!;
    if (!hasBytes(a) || !hasBytes(b)) throw new Error('a cached entry must offer bytes()');
    expect(a.bytes()).toBe(b.bytes());
    const stored = fs.tryOpenSync('/medium.bin')!;
    if (!hasBytes(stored)) throw new Error('a stored entry of an archive in memory must offer bytes()');
    expect(stored.bytes().buffer.byteLength).toBeGreaterThanOrEqual((await stat(archive)).size); // a view of the archive
    for (const f of [a, b, stored]) await f.close();
    await fs.close();
  });

  it('makes the held version of an in-memory entry once: later opens share its bytes and info, each closes alone', async () => {
    const fs = await ZipFS.open(archive);
    await readHotfs(fs, '/hello.txt'); // inflated into the cache
    for (const path of ['/medium.bin', '/hello.txt']) {
      const [a, b] = [fs.tryOpenSync(path)!, fs.tryOpenSync(path)!];
      if (!hasBytes(a) || !hasBytes(b) || !hasStatSync(a) || !hasStatSync(b)) throw new Error(`${path} is held in memory: bytes() and statSync() expected`);
      expect(a.bytes(), path).toBe(b.bytes());
      expect(a.statSync(), path).toBe(b.statSync());
      await a.close();
      expect(() => a.bytes()).toThrow(/EBADF/);
      expect(b.bytes().length, path).toBe(b.statSync().size);
      await b.close();
    }
    await fs.close();
  });
  it('reads a stored entry of an archive on disk whole at its first read, checked, then serves it from the cache; a larger one in place', async () => {
    const small = patternBytes(40_000);
    const large = patternBytes(60_000);
    const path = join(work.dir, 'stored.zip');
    await writeFile(
      path,
      buildZip([
        { name: 'small.bin', data: small },
        { name: 'large.bin', data: large },
      ]).bytes,
    );
    // A quarter of 200,000: the small entry fits, the large one does not.
    const fs = await ZipFS.open(path, { preloadBytes: 0, cacheBytes: 200_000 });
    const first = fs.tryOpenSync('/small.bin')!;
    expect(hasBytes(first)).toBe(false);
    const head = new Uint8Array(10);
    expect(await first.read(head, 100)).toBe(10); // a range: the whole entry is read and kept
    expect(Buffer.from(head).equals(small.subarray(100, 110))).toBe(true);
    await first.close();
    expect(fs.cachedBytes).toBe(small.length);
    const again = fs.tryOpenSync('/small.bin')!;
    if (!hasBytes(again)) throw new Error('a cached stored entry must offer bytes()');
    expect(Buffer.from(again.bytes()).equals(small)).toBe(true);
    await again.close();
    expect(Buffer.from(await readHotfs(fs, '/large.bin')).equals(large)).toBe(true);
    expect(hasBytes(fs.tryOpenSync('/large.bin')!)).toBe(false);
    expect(fs.cachedBytes).toBe(small.length);
    await fs.close();
  });

  it('keeps the cache within cacheBytes and never caches an entry larger than it', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: `line ${i}\n`.repeat(8000), method: 8 }));
    const path = join(work.dir, 'many.zip');
    await writeFile(path, buildZip([...entries, { name: 'big.bin', data: patternBytes(300_000), method: 8 }]).bytes);
    const limit = 200_000;
    const fs = await ZipFS.open(path, { cacheBytes: limit });
    for (let round = 0; round < 2; round++) {
      for (const { name, data } of entries) {
        expect(new TextDecoder().decode(await readHotfs(fs, `/${name}`))).toBe(data);
        expect(fs.cachedBytes).toBeLessThanOrEqual(limit);
      }
    }
    expect(fs.cachedBytes).toBeGreaterThan(limit / 2);
    const before = fs.cachedBytes;
    expect(Buffer.from(await readHotfs(fs, '/big.bin')).equals(patternBytes(300_000))).toBe(true);
    expect(fs.cachedBytes).toBe(before);
    await fs.close();
    expect(fs.cachedBytes).toBe(0);
  });

  it('gives strong etags per entry, the same on reopen, new for a replaced archive; DOS times in local time', async () => {
    const path = join(work.dir, 'tags.zip');
    const date = new Date(2021, 0, 2, 3, 4, 6);
    await writeFile(
      path,
      buildZip([
        { name: 'a.txt', data: 'a', date },
        { name: 'b.txt', data: 'a' },
        { name: 'c.txt', data: 'c', unixTime: 1_700_000_001 },
      ]).bytes,
    );
    const first = await ZipFS.open(path);
    const [a, b] = [await first.stat('/a.txt'), await first.stat('/b.txt')];
    expect(a.etag).toMatch(/^[\w.-]+$/);
    expect(a.weakEtag).toBeUndefined();
    expect(a.etag).not.toBe(b.etag);
    expect(a.mtimeMs).toBe(date.getTime());
    expect((await first.stat('/c.txt')).mtimeMs).toBe(1_700_000_001_000);
    const again = await ZipFS.open(path);
    expect((await again.stat('/a.txt')).etag).toBe(a.etag);
    await writeFile(path + '.new', buildZip([{ name: 'a.txt', data: 'x', date }]).bytes);
    await rename(path + '.new', path);
    const replaced = await ZipFS.open(path);
    expect((await replaced.stat('/a.txt')).etag).not.toBe(a.etag);
    // The first ZipFS still serves the archive it opened: its descriptor keeps the old file.
    expect(new TextDecoder().decode(await readHotfs(first, '/b.txt'))).toBe('a');
    for (const fs of [first, again, replaced]) await fs.close();
  });
});

describe('ZipFS formats', () => {
  it('reads zip64 records and CP437 names', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('sixty-four'), 'z64/forced.txt', { mtime: WHEN, compress: true, forceZip64Format: true });
    zip.end({ forceZip64Format: true, comment: '' });
    const path = join(work.dir, 'zip64.zip');
    await pipeline(zip.outputStream, createWriteStream(path));
    const fs = await ZipFS.open(path);
    expect(new TextDecoder().decode(await readHotfs(fs, '/z64/forced.txt'))).toBe('sixty-four');
    await fs.close();
    const cp437 = join(work.dir, 'cp437.zip');
    await writeFile(cp437, buildZip([{ name: new Uint8Array([0x81, 0x62, 0x65, 0x72]), data: 'über' }]).bytes);
    const old = await ZipFS.open(cp437);
    expect((await old.readdir('/')).map((i) => i.name)).toEqual(['über']);
    await old.close();
  });
});

describe('ZipFS README example', () => {
  it('runs as written there', async () => {
    const site = join(work.dir, 'site.zip');
    await writeFile(
      site,
      buildZip([
        { name: 'index.html', data: '<p>hi</p>', method: 8 },
        { name: '../escape.html', data: 'x' },
      ]).bytes,
    );
    const fs = await ZipFS.open(site, { cacheBytes: 16 * 1024 * 1024 });
    expect(fs.warnings).toEqual(['left out entry "../escape.html": \'..\' in path']);
    const html = new TextDecoder().decode(await readHotfs(fs, '/index.html'));
    await fs.close();
    expect(html).toBe('<p>hi</p>');
  });
});

describe('ZipFS close and options', () => {
  const fds = () => readdirSync('/proc/self/fd').length;

  it('rejects later calls with EBADF; files still open keep reading, and the descriptor goes with the last of them', async () => {
    const before = fds();
    const fs = await ZipFS.open(archive, { preloadBytes: 0 });
    const stored = await fs.open('/medium.bin');
    const deflated = await fs.open('/large.bin');
    const dir = await fs.open('/docs');
    expect(fds()).toBe(before + 1);
    await fs.close();
    await fs.close();
    for (const call of [() => fs.open('/hello.txt'), () => fs.stat('/'), () => fs.readdir('/'), async () => fs.tryOpenSync('/hello.txt')]) {
      await expect(call()).rejects.toMatchObject({ code: 'EBADF' });
    }
    expect((await readAll(stored)).length).toBe(64 * 1024 + 1);
    expect((await dir.readdir()).map((i) => i.name)).toEqual(['guide', 'index.html']);
    await dir.close();
    expect(Buffer.from(await readAll(deflated)).equals(await readFile(join(fixture.root, 'large.bin')))).toBe(true);
    await stored.close();
    expect(fds()).toBe(before + 1);
    await deflated.close();
    await deflated.close();
    await expect(deflated.read(new Uint8Array(1), 0)).rejects.toMatchObject({ code: 'EBADF' });
    expect(fds()).toBe(before);
  });

  it('keeps the descriptor through a read in flight when the file and the ZipFS close under it', async () => {
    const before = fds();
    const want = await readFile(join(fixture.root, 'medium.bin'));
    for (let i = 0; i < 20; i++) {
      // No cache: the stored entry is read in place, by pread on the archive's descriptor.
      const fs = await ZipFS.open(archive, { preloadBytes: 0, cacheBytes: 0 });
      const file = await fs.open('/medium.bin');
      const into = new Uint8Array(want.length);
      const reading = file.read(into, 0);
      await Promise.all([fs.close(), file.close()]);
      expect(await reading).toBe(want.length);
      expect(Buffer.from(into).equals(want)).toBe(true);
    }
    expect(fds()).toBe(before);
  });

  it('refuses unknown and bad options with a TypeError naming them', async () => {
    await expect(ZipFS.open(archive, { cacheSize: 1 } as never)).rejects.toThrow(/unknown ZipFS option 'cacheSize'/);
    await expect(ZipFS.open(archive, { cacheBytes: -1 })).rejects.toThrow(/option 'cacheBytes'/);
    expect(() => ZipFS.checkOptions({ maxEntrySize: 0 })).toThrow(/option 'maxEntrySize'/);
    expect(() => ZipFS.checkOptions({ preloadBytes: 1.5 })).toThrow(/option 'preloadBytes'/);
    expect(() => ZipFS.checkOptions({ logger: {} as never })).toThrow(/option 'logger'/);
    await expect(ZipFS.open(archive, { cacheBytes: '1' as never })).rejects.toBeInstanceOf(TypeError);
  });
});
