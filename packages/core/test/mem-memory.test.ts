import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { eventually, tempDir } from './support.js';

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
});
