import { spawn } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemFS, readAll, tryOpen } from '@hotfs/core';
import { account, makeVersion, verify, type BadRead, type Stall } from '../../../test-support/versions.mjs';
import { mirrorsDisk, tempDir } from './support.js';

const churnScript = fileURLToPath(new URL('../../../test-support/churn.mjs', import.meta.url));
/**
 * The most of all reads that writer stalls may excuse: a writer stalled mid-write longer than the
 * 25 ms quiet window leaves a torn file on disk that the mirror may take (the README's "one limit").
 * Measured here (2 cores shared, load 10-13): 0 excused of 17,409 / 23,776 / 22,504 reads, with
 * 22-26 writer stalls over 10 ms per run. When a stall does outlast the window, the torn version
 * lives until the next event and stable read (~0.1-0.3 s) at ~400 reads/s per path: 40-120 bad reads,
 * 0.2-0.6% of a run. 1% allows about one such incident; a mirror that took torn files as a rule
 * (every stall) would pass it many times over.
 */
const MAX_EXCUSED_SHARE = 0.01;

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
      expect(Object.keys(counts).filter((k) => !k.startsWith('failed'))).toEqual(
        expect.arrayContaining(['inPlace', 'editorSave', 'truncateThenWrite', 'deleteAndCreate', 'renameDir']),
      );
      const result = account(bad, stalls, reads);
      console.log(`mem-churn: ${result.summary}`);
      expect(result.details, result.summary).toEqual([]);
      expect(result.share, result.summary).toBeLessThanOrEqual(MAX_EXCUSED_SHARE);
      expect(reads).toBeGreaterThan(1000);
      // Events settle it at once; an event the watcher lost on a slow machine waits for the reconcile,
      // spaced by 25x the last walk's cost (a walk under churn waits for files to hold still: ~1.5 s at most).
      await mirrorsDisk(fs, dir, expect, 50_000);
      await fs.close();
    } finally {
      await remove();
    }
  }, 100_000);
});
