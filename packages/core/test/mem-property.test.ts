import { appendFile, mkdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { mirrorsDisk, sleep, tempDir } from './support.js';

/** Small name space, so operations collide: the same paths are created, replaced, moved, removed. */
const segment = fc.constantFrom('a', 'b', 'c d', 'é');
const relPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
const content = fc.oneof(fc.string({ maxLength: 40 }), fc.integer({ min: 0, max: 200_000 }).map((n) => 'x'.repeat(n)));

type Op = { kind: string; run: (root: string) => Promise<unknown> };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(relPath, content).map(([p, c]) => ({ kind: `write ${p}`, run: (r: string) => writeFile(join(r, p), c) })),
  fc.tuple(relPath, content).map(([p, c]) => ({ kind: `append ${p}`, run: (r: string) => appendFile(join(r, p), c) })),
  fc.tuple(relPath, fc.nat(50)).map(([p, n]) => ({ kind: `truncate ${p}`, run: (r: string) => truncate(join(r, p), n) })),
  relPath.map((p) => ({ kind: `rm ${p}`, run: (r: string) => rm(join(r, p), { recursive: true }) })),
  relPath.map((p) => ({ kind: `mkdir -p ${p}`, run: (r: string) => mkdir(join(r, p), { recursive: true }) })),
  fc.tuple(relPath, relPath).map(([a, b]) => ({ kind: `mv ${a} ${b}`, run: (r: string) => rename(join(r, a), join(r, b)) })),
  fc.tuple(relPath, content).map(([p, c]) => ({
    kind: `editor-save ${p}`,
    run: async (r: string) => {
      await writeFile(join(r, '.save.tmp'), c);
      await rename(join(r, '.save.tmp'), join(r, p));
    },
  })),
  fc.nat(30).map((ms) => ({ kind: `sleep ${ms}`, run: () => sleep(ms) })),
);

describe('MemFS property', () => {
  it('settles to exactly the tree DiskFS shows, after any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
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
      { numRuns: 25, interruptAfterTimeLimit: 45_000 },
    );
  }, 90_000);
});
