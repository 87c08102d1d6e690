import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemFS, readFile } from '@hotfs/core';
import { eventually, sleep, tempDir } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function heldBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().arrayBuffers;
}

describe('MemFS memory', () => {
  it('returns to its baseline after churning 1 GiB of writes and deletes', async () => {
    const { dir, remove } = await tempDir();
    const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
    try {
      const baseline = await heldBytes();
      const size = 8 * 1024 * 1024;
      let written = 0;
      for (let round = 0; written < 1024 * 1024 * 1024; round++) {
        const names = ['a.bin', 'b.bin', 'c.bin', 'd.bin'];
        await Promise.all(names.map((n, i) => writeFile(join(dir, n), Buffer.alloc(size - i, round & 0xff))));
        written += names.length * size;
        await eventually(() => expect(fs.size.bytes).toBe(4 * size - 6), 10_000);
        await Promise.all(names.slice(0, 2).map((n) => rm(join(dir, n))));
        await eventually(() => expect(fs.size.files).toBe(2), 10_000);
      }
      await Promise.all(['c.bin', 'd.bin'].map((n) => rm(join(dir, n))));
      await eventually(() => expect(fs.size).toMatchObject({ files: 0, bytes: 0 }), 10_000);
      const after = await heldBytes();
      // 32 MiB were held at every peak; what stays must be far below one file.
      expect(after - baseline).toBeLessThan(4 * 1024 * 1024);
    } finally {
      await fs.close();
      await remove();
    }
  }, 120_000);

  it('holds many small files in well under 1 KiB of memory each besides their bytes', async () => {
    const { dir, remove } = await tempDir();
    const files = 5000;
    for (let d = 0; d < 50; d++) {
      await mkdir(join(dir, `d${d}`));
      await Promise.all(Array.from({ length: files / 50 }, (_, i) => writeFile(join(dir, `d${d}`, `f${i}.txt`), `file ${d}/${i} `.padEnd(100, '.'))));
    }
    await sleep(100); // quiet, as a tree on disk usually is: read in bulk, into slabs
    const used = async () => (await heldBytes()) + process.memoryUsage().heapUsed;
    const before = await used();
    const fs = await MemFS.mirror(dir, { watch: false, reconcileIntervalMs: 0 });
    try {
      const perFile = ((await used()) - before - fs.size.bytes) / files;
      expect(fs.size.files).toBe(files);
      // About 700 bytes here: the entry, its FileInfo, the path, name, ETag and stamp strings, the
      // view of the content. A second copy of the tree (a memfs node and link per file) made it 1,150.
      expect(perFile).toBeLessThan(900);
    } finally {
      await fs.close();
      await remove();
    }
  }, 60_000);

  it('reads a bulk of small files into shared slabs, a later change into a buffer of its own, and keeps every view handed out', async () => {
    const { dir, remove } = await tempDir();
    await Promise.all(['a', 'b', 'c'].map((n) => writeFile(join(dir, `${n}.txt`), `${n} first`)));
    await sleep(100);
    const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
    try {
      const a = await fs.open('/a.txt');
      const first = (a as unknown as { bytes(): Uint8Array }).bytes();
      const b = (await fs.open('/b.txt')) as unknown as { bytes(): Uint8Array; close(): Promise<void> };
      expect(first.buffer).toBe(b.bytes().buffer); // one slab
      expect(first.buffer.byteLength).toBeGreaterThan(first.byteLength);
      await b.close();
      await writeFile(join(dir, 'a.txt'), 'a second, longer');
      await eventually(async () => expect(new TextDecoder().decode(await readFile(fs, '/a.txt'))).toBe('a second, longer'));
      const changed = (await fs.open('/a.txt')) as unknown as { bytes(): Uint8Array; close(): Promise<void> };
      expect(changed.bytes().byteLength).toBe(changed.bytes().buffer.byteLength); // its own buffer
      await changed.close();
      expect(new TextDecoder().decode(first)).toBe('a first'); // the old view is intact
      expect(new TextDecoder().decode(await readFile(fs, '/c.txt'))).toBe('c first');
      await a.close();
    } finally {
      await fs.close();
      await remove();
    }
  });
});
