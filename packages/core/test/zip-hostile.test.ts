import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFS, isFsError, readFile, type FileSystem } from '@hotfs/core';
import { tempDir } from './support.js';
import { buildZip, type RawEntry } from './zip-writer.js';

let work: { dir: string; remove: () => Promise<void> };
let count = 0;
beforeAll(async () => {
  work = await tempDir('hotfs-zip-hostile-');
});
afterAll(async () => {
  await work.remove();
});

async function archive(bytes: Uint8Array): Promise<string> {
  const path = join(work.dir, `a${count++}.zip`);
  await writeFile(path, bytes);
  return path;
}

/** Opens the archive both ways it can be read: whole in memory, and with pread from disk. */
async function bothWays(entries: RawEntry[], check: (fs: ZipFS, preloaded: boolean) => Promise<void>): Promise<void> {
  const path = await archive(buildZip(entries).bytes);
  for (const preloadBytes of [0, 1 << 20]) {
    const fs = await ZipFS.open(path, { preloadBytes });
    try {
      await check(fs, preloadBytes > 0);
    } finally {
      await fs.close();
    }
  }
}

/** Every path the file system serves, walked from the root. */
async function tree(fs: FileSystem, dir = '/'): Promise<string[]> {
  const out: string[] = [];
  for (const info of await fs.readdir(dir)) {
    const path = dir === '/' ? `/${info.name}` : `${dir}/${info.name}`;
    out.push(info.isDirectory ? `${path}/` : path);
    if (info.isDirectory) out.push(...(await tree(fs, path)));
  }
  return out;
}

async function failure(call: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (err) {
    if (!isFsError(err)) throw new Error(`not an FsError: ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  throw new Error('succeeded, want an FsError');
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('ZipFS entry names', () => {
  it('leaves out every unsafe or unclean name, says so, and never serves it under a cleaned name', async () => {
    const bad = ['../x', '/etc/x', 'a\\..\\b', 'a/../../x', '..', './c', 'd//e', 'f/./g', 'C:/x', 'C:x', 'h/..', 'i\0j'];
    const logged: string[] = [];
    const path = await archive(buildZip([{ name: 'ok.txt', data: 'ok' }, ...bad.map((name) => ({ name, data: `evil ${name}` }))]).bytes);
    const fs = await ZipFS.open(path, { logger: { info: () => {}, warn: (m) => logged.push(m), error: () => {} } });
    expect(await tree(fs)).toEqual(['/ok.txt']);
    expect(fs.warnings).toHaveLength(bad.length);
    for (const name of bad) expect(fs.warnings.some((w) => w.includes(JSON.stringify(name)))).toBe(true);
    expect(logged).toHaveLength(bad.length);
    for (const probe of ['/x', '/etc/x', '/b', '/a', '/c', '/d/e', '/f/g', '/C:', '/C:x', '/h', '/i', '/a\\..\\b']) {
      expect(await fs.tryStat(probe)).toBeUndefined();
      expect((await failure(() => fs.open(probe))).code).toBe('ENOENT');
    }
    await fs.close();
  });

  it('leaves out both copies of a duplicate name, and a file named where a directory is needed', async () => {
    await bothWays(
      [
        { name: 'dup.txt', data: 'first' },
        { name: 'dup.txt', data: 'second' },
        { name: 'a', data: 'a file' },
        { name: 'a/b.txt', data: 'in a' },
        { name: 'c/', data: '' },
        { name: 'c', data: 'shadow' },
        { name: 'keep.txt', data: 'kept' },
      ],
      async (fs) => {
        expect(await tree(fs)).toEqual(['/a/', '/a/b.txt', '/c/', '/keep.txt']);
        expect(fs.warnings.join('\n')).toMatch(/"dup\.txt": named by 2 entries/);
        expect(fs.warnings.join('\n')).toMatch(/"a": a directory of the archive has the same name/);
        expect(fs.warnings.join('\n')).toMatch(/"c": a directory/);
        expect(text(await readFile(fs, '/a/b.txt'))).toBe('in a');
      },
    );
  });

  it('leaves out symbolic links and special files, serves Unix regular files and directories', async () => {
    await bothWays(
      [
        { name: 'link', data: '/etc/passwd', unixMode: 0o120777 },
        { name: 'dir/link-up', data: '../../secret', unixMode: 0o120777 },
        { name: 'fifo', unixMode: 0o010644 },
        { name: 'plain.txt', data: 'plain', unixMode: 0o100644 },
        { name: 'sub', unixMode: 0o040755 },
      ],
      async (fs) => {
        expect(await tree(fs)).toEqual(['/plain.txt', '/sub/']); // an entry left out implies no directory
        expect(fs.warnings.filter((w) => w.includes('a symbolic link'))).toHaveLength(2);
        expect(fs.warnings.join('\n')).toMatch(/"fifo": not a regular file or directory/);
        expect((await failure(() => fs.open('/link'))).code).toBe('ENOENT');
      },
    );
  });
});

describe('ZipFS entry data', () => {
  it('leaves out encrypted entries, unsupported methods, stored entries with two sizes and oversized ones', async () => {
    const path = await archive(
      buildZip([
        { name: 'secret.txt', data: 'xxxxxxxxxxxxyyyy', flags: 0x1 },
        { name: 'bzip2.txt', data: 'data', method: 12 },
        { name: 'two-sizes.txt', data: 'data', size: 100 },
        { name: 'huge.txt', data: 'data', method: 8, size: 3_000_000 },
        { name: 'fine.txt', data: 'fine', method: 8 },
      ]).bytes,
    );
    const fs = await ZipFS.open(path, { maxEntrySize: 1_000_000 });
    expect(await tree(fs)).toEqual(['/fine.txt']);
    const warnings = fs.warnings.join('\n');
    expect(warnings).toMatch(/"secret\.txt": encrypted/);
    expect(warnings).toMatch(/"bzip2\.txt": compression method 12 is not supported/);
    expect(warnings).toMatch(/"two-sizes\.txt": stored with two sizes/);
    expect(warnings).toMatch(/"huge\.txt": larger than maxEntrySize/);
    expect(text(await readFile(fs, '/fine.txt'))).toBe('fine');
    await fs.close();
  });

  it('fails the read of a deflated entry whose data is longer or shorter than declared, or fails its CRC, with EIO', async () => {
    const data = 'x'.repeat(100);
    await bothWays(
      [
        { name: 'longer.txt', data, method: 8, size: 10 },
        { name: 'shorter.txt', data, method: 8, size: 150 },
        { name: 'bad-crc.txt', data, method: 8, crc: 12345 },
        { name: 'bad-crc-stored.txt', data, crc: 12345 },
        { name: 'garbage.txt', data, method: 8, raw: new Uint8Array([0xff, 0xff, 0xff, 0xff]) },
        { name: 'good.txt', data, method: 8 },
      ],
      async (fs) => {
        expect((await failure(() => readFile(fs, '/longer.txt'))).message).toMatch(/EIO: zip entry inflates to more than its declared 10 bytes/);
        expect((await failure(() => readFile(fs, '/shorter.txt'))).message).toMatch(/EIO: zip entry inflates to 100 bytes, fewer than its declared 150/);
        expect((await failure(() => readFile(fs, '/bad-crc.txt'))).message).toMatch(/EIO: zip entry fails its CRC-32 check/);
        // A stored entry held in memory, or small enough to be read whole from disk and cached, is checked.
        expect((await failure(() => readFile(fs, '/bad-crc-stored.txt'))).message).toMatch(/EIO: zip entry fails its CRC-32 check/);
        expect((await failure(() => readFile(fs, '/garbage.txt'))).message).toMatch(/EIO: corrupt deflate data/);
        expect(text(await readFile(fs, '/good.txt'))).toBe(data);
        expect(fs.cachedBytes).toBe(100); // nothing bad was cached
      },
    );
  });

  it('refuses to inflate a zip bomb past 1000 times its compressed size, holding no more than that', async () => {
    const zeros = new Uint8Array(64 * 1024 * 1024);
    await bothWays(
      [
        { name: 'bomb-declared.bin', data: zeros, method: 8 },
        { name: 'bomb-lying.bin', data: zeros, method: 8, size: 1000 },
      ],
      async (fs) => {
        const declared = await failure(() => readFile(fs, '/bomb-declared.bin'));
        expect(declared.code).toBe('EIO');
        expect(declared.message).toMatch(/more than 1000 times its compressed size/);
        expect((await fs.stat('/bomb-declared.bin')).size).toBe(zeros.length); // listed; only reads fail
        expect((await failure(() => readFile(fs, '/bomb-lying.bin'))).message).toMatch(/more than its declared 1000 bytes/);
        // Refused from its declared sizes, before any inflating: inflating 64 MiB takes tens of ms each time.
        const file = await fs.open('/bomb-declared.bin');
        const started = performance.now();
        for (let i = 0; i < 10; i++) expect((await failure(() => file.read(new Uint8Array(64), 0))).code).toBe('EIO');
        expect(performance.now() - started).toBeLessThan(150);
        await file.close();
        expect(fs.cachedBytes).toBe(0);
      },
    );
  });

  it('fails the read of an entry whose local header is broken or whose data runs past the archive', async () => {
    const built = buildZip([
      { name: 'broken.txt', data: 'broken', method: 8 },
      { name: 'fine.txt', data: 'fine' },
    ]);
    built.bytes.writeUInt32LE(0xdeadbeef, 0); // the first local header's signature
    const overrun = buildZip([{ name: 'overrun.bin', data: 'short', size: 1_000_000, compressedSize: 1_000_000 }]);
    for (const preloadBytes of [0, 1 << 20]) {
      const fs = await ZipFS.open(await archive(built.bytes), { preloadBytes });
      expect((await failure(() => readFile(fs, '/broken.txt'))).message).toMatch(/EIO: zip entry has no valid local header/);
      expect(text(await readFile(fs, '/fine.txt'))).toBe('fine');
      await fs.close();
      const over = await ZipFS.open(await archive(overrun.bytes), { preloadBytes });
      expect((await failure(() => readFile(over, '/overrun.bin'))).message).toMatch(/EIO: zip entry data runs past the end of the archive/);
      await over.close();
    }
  });
});

describe('ZipFS refuses archives it cannot read', () => {
  const good = () =>
    buildZip([
      { name: 'a.txt', data: 'a'.repeat(100) },
      { name: 'b.txt', data: 'b', method: 8 },
    ]);

  it.each([
    ['a missing file', async () => join(work.dir, 'missing.zip'), 'ENOENT', /cannot open zip archive/],
    ['a directory', async () => (await mkdir(join(work.dir, 'dir.zip'), { recursive: true }), join(work.dir, 'dir.zip')), 'EISDIR', /is a file, not a directory/],
    ['an empty file', () => archive(new Uint8Array(0)), 'EINVAL', /not a readable zip archive/],
    [
      'a FIFO (without blocking)',
      async () => {
        const fifo = join(work.dir, 'fifo.zip');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      'EINVAL',
      /must be a regular file/,
    ],
    ['a text file', () => archive(new TextEncoder().encode('just some text, not a zip\n'.repeat(100))), 'EINVAL', /not a readable zip archive/],
    ['a truncated archive', async () => archive(good().bytes.subarray(0, good().endStart + 10)), 'EINVAL', /not a readable zip archive/],
    [
      'a corrupt central directory',
      async () => {
        const { bytes, centralStart } = good();
        bytes.writeUInt32LE(0x12345678, centralStart);
        return archive(bytes);
      },
      'EINVAL',
      /cannot read the zip central directory: invalid central directory file header signature/,
    ],
    ['more entries declared than present', () => archive(buildZip([{ name: 'a.txt', data: 'a' }], { entryCount: 500 }).bytes), 'EINVAL', /cannot read the zip central directory/],
    [
      'a central directory cut short',
      async () => {
        const { bytes, centralStart, endStart } = good();
        // The end record still claims the whole directory, which now overlaps it.
        return archive(Buffer.concat([bytes.subarray(0, centralStart + 20), bytes.subarray(endStart)]));
      },
      'EINVAL',
      /zip/,
    ],
  ] as const)('refuses %s with an FsError that says why', async (_, make, code, message) => {
    const path = await make();
    for (const preloadBytes of [0, 1 << 20]) {
      const got = await failure(() => ZipFS.open(path, { preloadBytes }));
      expect(got.code).toBe(code);
      expect(got.message).toMatch(message);
    }
  });
});

describe('ZipFS on damaged archives', () => {
  it('answers every open, listing and read of 300 randomly damaged archives with data or an FsError', async () => {
    const { bytes } = buildZip([
      { name: 'a.txt', data: 'a'.repeat(300) },
      { name: 'd/b.txt', data: 'b'.repeat(3000), method: 8 },
      { name: 'd/e/', data: '' },
      { name: 'c.bin', data: new Uint8Array(500).map((_, i) => i * 7), method: 8, unixTime: 1_700_000_000 },
    ]);
    let seed = 99;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const outcomes = { refused: 0, opened: 0, readFailures: 0 };
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(round % 3 === 0 ? bytes.subarray(0, next(bytes.length)) : bytes);
      for (let flips = 1 + next(4); round % 3 !== 0 && flips > 0; flips--) damaged[next(damaged.length)] = next(256);
      let fs: ZipFS;
      try {
        fs = await ZipFS.open(await archive(damaged), { preloadBytes: round % 2 ? 0 : 1 << 20 });
      } catch (err) {
        if (!isFsError(err)) throw err;
        outcomes.refused++;
        continue;
      }
      outcomes.opened++;
      for (const path of await tree(fs)) {
        if (path.endsWith('/')) continue;
        try {
          expect((await readFile(fs, path)).length).toBe((await fs.stat(path)).size);
        } catch (err) {
          if (!isFsError(err)) throw err;
          outcomes.readFailures++;
        }
      }
      await fs.close();
    }
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.opened).toBeGreaterThan(0);
    expect(outcomes.readFailures).toBeGreaterThan(0);
  });
});
