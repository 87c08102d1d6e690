import { appendFile, mkdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { mirrorsDisk, sleep, tempDir } from './support.js';

/** Small name space (12 paths), so operations collide: the same paths are created, replaced, moved, removed. */
const segment = fc.constantFrom('a', 'b', 'c d', 'é');
const relPath = fc.array(segment, { minLength: 1, maxLength: 2 }).map((s) => s.join('/'));
const content = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 0, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

type Op = { kind: string; run: (root: string) => Promise<unknown>; [fc.toStringMethod]: () => string };
/** An operation that prints as what it does, so a counterexample reads as a shell session. */
const named = (kind: string, run: Op['run']): Op => ({ kind, run, [fc.toStringMethod]: () => kind });
/** Writes create their parent directories, so most sequences build a tree that later ops replace, move and remove. */
const withParents = async (file: string): Promise<string> => (await mkdir(dirname(file), { recursive: true }), file);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(relPath, content).map(([p, c]) => named(`write ${p} (${c.length} chars)`, async (r) => writeFile(await withParents(join(r, p)), c))),
  fc.tuple(relPath, content).map(([p, c]) => named(`append ${p} (${c.length} chars)`, (r) => appendFile(join(r, p), c))),
  fc.tuple(relPath, fc.nat(50)).map(([p, n]) => named(`truncate ${p} ${n}`, (r) => truncate(join(r, p), n))),
  relPath.map((p) => named(`rm -r ${p}`, (r) => rm(join(r, p), { recursive: true }))),
  relPath.map((p) => named(`mkdir -p ${p}`, (r) => mkdir(join(r, p), { recursive: true }))),
  fc.tuple(relPath, relPath).map(([a, b]) => named(`mv ${a} ${b}`, (r) => rename(join(r, a), join(r, b)))),
  fc.tuple(relPath, content).map(([p, c]) =>
    named(`editor-save ${p} (${c.length} chars)`, async (r) => {
      await writeFile(join(r, '.save.tmp'), c);
      await rename(join(r, '.save.tmp'), await withParents(join(r, p)));
    }),
  ),
  fc.nat(30).map((ms) => named(`sleep ${ms}`, () => sleep(ms))),
);

// A fixed number of runs, never a time limit: a slow host takes longer, it does not test less.
// 0.1-0.25 s per run here (a mirror, ~12 operations, a settle): 100 runs take 15-25 s on 2 busy cores.
const SEED = Number(process.env['HOTFS_FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['HOTFS_FC_RUNS'] ?? 100);

describe('MemFS property', () => {
  it(
    'settles to exactly the tree DiskFS shows, after any sequence of operations',
    async () => {
      console.log(`mem-property: seed ${SEED}, ${RUNS} runs (HOTFS_FC_SEED / HOTFS_FC_RUNS override)`);
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25, size: 'medium' }), async (ops) => {
          runs++;
          const { dir, remove } = await tempDir();
          const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
          try {
            for (const o of ops) await o.run(dir).catch(() => {}); // an op the disk refuses is just skipped
            await mirrorsDisk(fs, dir, expect, 5_000);
          } finally {
            await fs.close();
            await remove();
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(runs).toBe(RUNS);
    },
    60_000 + RUNS * 1_000,
  );
});
