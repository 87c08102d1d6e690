import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MemFS, readAll, tryOpen, type FileSystem } from '@hotfs/core';
import { tempDir } from './support.js';

// Big enough that the first walk takes a measurable time here (about a second or more).
const DIRS = 200;
const PER_DIR = 100;
const FILES = DIRS * PER_DIR;

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await tempDir());
  for (let d = 0; d < DIRS; d++) {
    await mkdir(join(dir, `d${d}`));
    await Promise.all(Array.from({ length: PER_DIR }, (_, f) => writeFile(join(dir, `d${d}`, `f${f}.txt`), `file ${d}/${f} `.repeat(1 + (f % 7)))));
  }
  await mkdir(join(dir, 'skip'));
  await writeFile(join(dir, 'skip', 'hidden.txt'), 'ignored');
  await writeFile(join(dir, 'top.txt'), 'top');
}, 120_000);
afterAll(() => remove());

async function content(fs: FileSystem, path: string): Promise<string | undefined> {
  const file = await tryOpen(fs, path);
  if (!file) return undefined;
  try {
    return Buffer.from(await readAll(file)).toString();
  } finally {
    await file.close();
  }
}

describe('MemFS serveWhileLoading', () => {
  it('answers from the disk, exactly and completely, until the first walk is done; then from memory, changes included', async () => {
    const disk = new DiskFS(dir);
    const fs = await MemFS.mirror(dir, { serveWhileLoading: true, ignore: /^\/skip(\/|$)/, reconcileIntervalMs: 0 });
    let mirrored = false;
    void fs.mirrored().then(() => (mirrored = true));
    try {
      // Not vacuous: it resolved before the mirror held the tree.
      expect(fs.size.files).toBeLessThan(FILES);
      const late = `/d${DIRS - 1}/f${PER_DIR - 1}.txt`;
      await writeFile(join(dir, late.slice(1)), 'changed while loading');
      await writeFile(join(dir, 'new.txt'), 'created while loading');
      let checked = 0;
      // A sample spread over the tree: few enough answers that all come before the walk ends.
      for (let i = 0; i < FILES && !mirrored; i += 499, checked++) {
        const path = `/d${Math.floor(i / PER_DIR)}/f${i % PER_DIR}.txt`;
        expect(await content(fs, path)).toBe(await readFile(join(dir, path.slice(1)), 'utf8'));
        expect(await fs.stat(path)).toEqual(await disk.stat(path));
      }
      // The walk of 20,000 files takes a second or more; the answers above, tens of milliseconds.
      expect(mirrored, `the walk ended after ${checked} answers`).toBe(false);
      {
        expect(await content(fs, late)).toBe('changed while loading');
        expect(await content(fs, '/new.txt')).toBe('created while loading');
        expect((await fs.readdir('/')).map((e) => e.name)).toEqual((await disk.readdir('/')).map((e) => e.name).filter((n) => n !== 'skip'));
        expect(await fs.readdir('/d3')).toEqual(await disk.readdir('/d3'));
        const opened = await fs.open('/d3/');
        expect((await opened.readdir()).length).toBe(PER_DIR);
        await opened.close();
        expect(await fs.tryStat('/skip')).toBeUndefined();
        expect(await content(fs, '/skip/hidden.txt')).toBeUndefined();
        expect(await content(fs, '/missing.txt')).toBeUndefined();
        await expect(fs.stat('/missing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
      }
      await fs.mirrored();
      expect(fs.size.files).toBe(FILES + 2);
      // From memory now: MemFS's own validator (the SHA-256 of the bytes held) where DiskFS's differs.
      expect((await fs.stat('/top.txt')).etag).toMatch(/^[\w-]{43}$/);
      expect(await content(fs, late)).toBe('changed while loading');
      expect(await content(fs, '/new.txt')).toBe('created while loading');
      expect(await content(fs, '/skip/hidden.txt')).toBeUndefined();
    } finally {
      await fs.close();
    }
  }, 120_000);

  it('keeps its memory budget, and a close during loading ends it quietly', async () => {
    const fs = await MemFS.mirror(dir, { serveWhileLoading: true, maxBytes: 100_000 });
    await fs.mirrored();
    expect(fs.size.bytes).toBeLessThanOrEqual(100_000);
    expect(fs.size.filesOnDisk).toBeGreaterThan(0);
    expect(await content(fs, '/d150/f3.txt')).toBe(await readFile(join(dir, 'd150', 'f3.txt'), 'utf8'));
    await fs.close();
    const early = await MemFS.mirror(dir, { serveWhileLoading: true });
    await early.close();
    await early.mirrored();
    await expect(early.stat('/top.txt')).rejects.toMatchObject({ code: 'EBADF' });
  }, 120_000);

  it('is refused unless a boolean', async () => {
    await expect(MemFS.mirror(dir, { serveWhileLoading: 'yes' as unknown as boolean })).rejects.toThrow(/serveWhileLoading/);
  });
});
