import { spawn } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemFS, readAll, tryOpen } from '@hotfs/core';
import { explains, makeVersion, verify, type BadRead, type Stall } from '../../../test-support/versions.mjs';
import { mirrorsDisk, tempDir } from './support.js';

const churnScript = fileURLToPath(new URL('../../../test-support/churn.mjs', import.meta.url));

describe('MemFS under churn', () => {
  it('never yields a torn or mixed version while another process rewrites the tree, then settles exact', async () => {
    const { dir, remove } = await tempDir();
    try {
      await mkdir(join(dir, 'sub'));
      for (let i = 0; i < 12; i++) await writeFile(join(dir, i < 8 ? `f${i}.txt` : `sub/f${i}.txt`), makeVersion(100, i + 1));
      const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 500 });
      const churn = spawn(process.execPath, [churnScript, dir, '4000', '7', 'all'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      churn.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => churn.on('exit', resolve));
      let reads = 0;
      const bad: BadRead[] = [];
      let running = true;
      void exited.then(() => (running = false));
      const readers = Array.from({ length: 4 }, async (_, r) => {
        for (let i = 0; running; i++) {
          const name = i % 3 === 0 ? `/sub/f${8 + ((i + r) % 4)}.txt` : `/f${(i + r) % 8}.txt`;
          const file = await tryOpen(fs, name);
          if (file) {
            const bytes = await readAll(file);
            const info = await file.stat();
            await file.close();
            const problem = verify(bytes) ?? (info.size === bytes.length ? undefined : `stat says ${info.size}, read ${bytes.length}`);
            if (problem) bad.push({ path: name, problem, at: Date.now() });
            reads++;
          }
          await new Promise((res) => setImmediate(res));
        }
      });
      expect(await exited).toBe(0);
      await Promise.all(readers);
      const { counts, stalls } = JSON.parse(output) as { counts: Record<string, number>; stalls: Stall[] };
      expect(Object.keys(counts).filter((k) => !k.startsWith('failed'))).toEqual(expect.arrayContaining(['inPlace', 'editorSave', 'truncateThenWrite', 'deleteAndCreate', 'renameDir']));
      const unexplained = bad.filter((b) => !stalls.some((s) => explains(s, b)));
      expect(unexplained.map((b) => `${b.path}: ${b.problem}`)).toEqual([]);
      expect(bad.length).toBeLessThan(reads / 20);
      expect(reads).toBeGreaterThan(1000);
      await mirrorsDisk(fs, dir, expect, 10_000);
      await fs.close();
    } finally {
      await remove();
    }
  }, 60_000);
});
