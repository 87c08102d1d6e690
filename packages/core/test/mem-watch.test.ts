// The watcher puts inotify watches on directories only and learns about files from their directory's
// events. Reconcile is off in every test here: only the watcher can keep the mirror right.
import nodeFs from 'node:fs';
import { appendFile, mkdir, rename, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { mirrorsDisk, sleep, tempDir } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mirrored(setup: (dir: string) => Promise<void>) {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  await setup(dir);
  const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
  cleanups.push(() => fs.close());
  return { dir, fs };
}

/** Records the path of every fs.watch call made from now on. */
function recordWatches(): string[] {
  const watched: string[] = [];
  const original = nodeFs.watch;
  nodeFs.watch = (path: nodeFs.PathLike, ...rest: unknown[]) => {
    watched.push(String(path));
    return (original as (...args: unknown[]) => nodeFs.FSWatcher)(path, ...rest);
  };
  syncBuiltinESMExports();
  cleanups.push(() => {
    nodeFs.watch = original;
    syncBuiltinESMExports();
  });
  return watched;
}

describe('MemFS watcher', () => {
  it('puts a watch on each directory and none on any file', async () => {
    const watched = recordWatches();
    const { dir } = await mirrored(async (d) => {
      await mkdir(join(d, 'a/b'), { recursive: true });
      for (let i = 0; i < 20; i++) await writeFile(join(d, i % 2 ? 'a' : 'a/b', `f${i}.txt`), `${i}`);
      await writeFile(join(d, 'top.txt'), 'top');
    });
    expect(watched.sort()).toEqual([dir, join(dir, 'a'), join(dir, 'a/b')]);
  });

  it.each([
    ['overwrite', (f: string) => writeFile(f, 'overwritten with more')],
    ['append', (f: string) => appendFile(f, ' and more')],
    ['truncate', (f: string) => truncate(f, 2)],
    ['delete', (f: string) => rm(f)],
    ['rename within the directory', (f: string) => rename(f, `${f}.renamed`)],
    [
      'editor save (write temp, rename over)',
      async (f: string) => {
        await writeFile(`${f}.swp`, 'saved by an editor');
        await rename(`${f}.swp`, f);
      },
    ],
    ['touch (times only)', (f: string) => utimes(f, 1_600_000_000, 1_600_000_000)],
    ['create beside it', (f: string) => writeFile(`${f}.new`, 'new')],
  ])('sees a change to a file it does not watch: %s', async (_name, change) => {
    const { dir, fs } = await mirrored(async (d) => {
      await mkdir(join(d, 'x/y'), { recursive: true });
      await writeFile(join(d, 'x/y/f.txt'), 'original');
      await writeFile(join(d, 'x/y/other.txt'), 'other');
    });
    await change(join(dir, 'x/y/f.txt'));
    await mirrorsDisk(fs, dir, expect);
  });

  it('sees files written into a directory right after it is made (before its own watch starts)', async () => {
    const { dir, fs } = await mirrored(async () => {});
    for (let i = 0; i < 10; i++) {
      await mkdir(join(dir, `n${i}`));
      await writeFile(join(dir, `n${i}/first.txt`), 'first');
      await sleep(i * 3);
      await writeFile(join(dir, `n${i}/second.txt`), 'second');
    }
    await mirrorsDisk(fs, dir, expect);
  });
});

describe('MemFS watcher, a directory replaced by another', () => {
  // An inotify watch follows its inode: after `mv a b; mkdir a` the watch put on "a" follows the
  // moved directory, and nothing watches the new "a" unless the mirror makes it.
  it.each([
    ['mv a b; mkdir a', async (d: string) => (await rename(join(d, 'a'), join(d, 'b')), await mkdir(join(d, 'a')))],
    [
      'mv c a (over an empty a)',
      async (d: string) => {
        await mkdir(join(d, 'c'));
        await rm(join(d, 'a/inside.txt'));
        await rename(join(d, 'c'), join(d, 'a'));
      },
    ],
    [
      // ext4 gives the new "a" the inode number of the one just removed: only its birth time differs.
      'rm -r a; mkdir a (at once)',
      async (d: string) => {
        nodeFs.rmSync(join(d, 'a'), { recursive: true });
        nodeFs.mkdirSync(join(d, 'a'));
      },
    ],
  ])('sees changes inside the new directory: %s', async (_name, replace) => {
    const { dir, fs } = await mirrored(async (d) => {
      await mkdir(join(d, 'a'));
      await writeFile(join(d, 'a/inside.txt'), 'inside');
    });
    await replace(dir);
    await mirrorsDisk(fs, dir, expect);
    // Each change below is reported only by a watch on the new directory (or its child): the
    // mirror has settled, and reconcile is off.
    await writeFile(join(dir, 'a/x.txt'), 'one');
    await mirrorsDisk(fs, dir, expect);
    await appendFile(join(dir, 'a/x.txt'), ' two');
    await mkdir(join(dir, 'a/c'));
    await writeFile(join(dir, 'a/c/deeper.txt'), 'deeper');
    await mirrorsDisk(fs, dir, expect);
  });
});
