import { appendFile, mkdir, rename, rm, truncate, utimes, writeFile, symlink } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsError, hasChangeFeed, MemFS, readAll, readFile, type ChangeEvent } from '@hotfs/core';
import { checkFileSystem, createFixture } from '@hotfs/core/conformance';
import { eventually, mirrorsDisk, recordingLogger, sleep, tempDir } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A mirror of a fresh temp dir; reconcile off, so only the watcher can keep it right. */
async function mirrored(setup?: (dir: string) => Promise<void>, options: Parameters<typeof MemFS.mirror>[1] = {}) {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  await setup?.(dir);
  const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0, ...options });
  cleanups.push(() => fs.close());
  return { dir, fs };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('MemFS', () => {
  it('passes the conformance suite on the DiskFS fixture', async () => {
    const fixture = await createFixture();
    cleanups.push(() => fixture.remove());
    const fs = await MemFS.mirror(fixture.root, { reconcileIntervalMs: 0 });
    cleanups.push(() => fs.close());
    expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
  });

  it('rejects bad options by name and a missing root clearly', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    await expect(MemFS.mirror(dir, { ignore: '**/*.tmp' as never })).rejects.toThrow(/option 'ignore' must be a RegExp or a function \(glob strings/);
    await expect(MemFS.mirror(dir, { maxBytes: -1 })).rejects.toThrow(/option 'maxBytes' must be a number >= 0/);
    await expect(MemFS.mirror(dir, { verbose: 'yes' as never })).rejects.toThrow(/option 'verbose'/);
    await expect(MemFS.mirror(dir, { maxbytes: 5 } as never)).rejects.toThrow(/unknown MemFS option 'maxbytes'/);
    await expect(MemFS.mirror(join(dir, 'missing'))).rejects.toThrow(/cannot serve root directory/);
    // The same checks, without a root and without opening anything.
    expect(() => MemFS.checkOptions({ settleMs: -5 })).toThrow(/option 'settleMs' must be a number >= 0/);
    expect(() => MemFS.checkOptions({ io: 'sync' } as never)).toThrow(/unknown MemFS option 'io'/);
    expect(() => MemFS.checkOptions({ ignore: /x/, maxBytes: 1, watch: false, logger: console })).not.toThrow();
  });

  it('holds sizes, mtimes in ms, empty directories and unicode names exactly', async () => {
    const { dir, fs } = await mirrored(async (d) => {
      await mkdir(join(d, 'empty dir'));
      await writeFile(join(d, 'ünï cødé.txt'), 'x'.repeat(1234));
      await utimes(join(d, 'ünï cødé.txt'), 1_600_000_000.25, 1_600_000_000.5);
    });
    expect((await fs.stat('/ünï cødé.txt')).mtimeMs).toBe(1_600_000_000_500);
    expect(await fs.readdir('/empty dir')).toEqual([]);
    await mirrorsDisk(fs, dir, expect, 1);
  });

  it('serves zero-copy views: two opens of one version share the same bytes', async () => {
    const { fs } = await mirrored(async (d) => writeFile(join(d, 'a.bin'), Buffer.alloc(100_000, 7)));
    const [a, b] = [await fs.open('/a.bin'), await fs.open('/a.bin')];
    expect(a.bytes!().buffer).toBe(b.bytes!().buffer);
    expect(a.bytes!().byteOffset).toBe(b.bytes!().byteOffset);
    expect(await a.stat()).toBe(await b.stat()); // same frozen FileInfo per version
    expect(Object.isFrozen(await a.stat())).toBe(true);
    await a.close();
    await b.close();
  });

  it('looks up a missing path without throwing', async () => {
    const { fs } = await mirrored();
    expect(await fs.tryOpen('/nope')).toBeUndefined();
    expect(await fs.tryStat('/nope/deeper')).toBeUndefined();
    await expect(fs.open('/nope')).rejects.toBeInstanceOf(FsError);
  });

  it.each([
    ['create', async (d: string) => writeFile(join(d, 'new.txt'), 'new')],
    ['overwrite', async (d: string) => writeFile(join(d, 'a.txt'), 'overwritten with more')],
    ['append', async (d: string) => appendFile(join(d, 'a.txt'), ' and more')],
    ['truncate', async (d: string) => truncate(join(d, 'a.txt'), 2)],
    ['delete', async (d: string) => rm(join(d, 'a.txt'))],
    [
      'editor save (write temp, rename over)',
      async (d: string) => {
        await writeFile(join(d, '.a.txt.swp'), 'saved by an editor');
        await rename(join(d, '.a.txt.swp'), join(d, 'a.txt'));
      },
    ],
    [
      'mkdir -p',
      async (d: string) => {
        await mkdir(join(d, 'x/y/z'), { recursive: true });
        await writeFile(join(d, 'x/y/z/f.txt'), 'deep');
      },
    ],
    ['rm -rf of a tree', async (d: string) => rm(join(d, 'tree'), { recursive: true })],
    ['rename a directory with contents', async (d: string) => rename(join(d, 'tree'), join(d, 'moved'))],
    ['move a tree in from outside', async (d: string) => rename(join(d, '..', `${d.split('/').pop()}-outside`), join(d, 'arrived'))],
    ['move a tree out', async (d: string) => rename(join(d, 'tree'), join(d, '..', `${d.split('/').pop()}-gone`))],
    [
      'replace a file with a directory',
      async (d: string) => {
        await rm(join(d, 'a.txt'));
        await mkdir(join(d, 'a.txt'));
        await writeFile(join(d, 'a.txt', 'inner'), 'inner');
      },
    ],
    [
      'replace a directory with a file',
      async (d: string) => {
        await rm(join(d, 'tree'), { recursive: true });
        await writeFile(join(d, 'tree'), 'now a file');
      },
    ],
  ])('shows a change: %s', async (_name, change) => {
    const { dir, fs } = await mirrored(async (d) => {
      await writeFile(join(d, 'a.txt'), 'original');
      await mkdir(join(d, 'tree/sub'), { recursive: true });
      await writeFile(join(d, 'tree/one.txt'), 'one');
      await writeFile(join(d, 'tree/sub/two.txt'), 'two');
      await mkdir(join(d, '..', `${d.split('/').pop()}-outside/inner`), { recursive: true });
      await writeFile(join(d, '..', `${d.split('/').pop()}-outside/inner/file.txt`), 'from outside');
    });
    cleanups.push(() => rm(`${dir}-outside`, { recursive: true, force: true }));
    cleanups.push(() => rm(`${dir}-gone`, { recursive: true, force: true }));
    await change(dir);
    await mirrorsDisk(fs, dir, expect);
  });

  it('shows the children of a directory renamed over an existing empty one (the watch names only that path)', async () => {
    const { dir, fs } = await mirrored(async (d) => {
      await mkdir(join(d, 'target'));
      await mkdir(join(d, 'moved/sub'), { recursive: true });
      await writeFile(join(d, 'moved/one.txt'), 'one');
      await writeFile(join(d, 'moved/sub/two.txt'), 'two');
    });
    expect(await fs.readdir('/target')).toEqual([]);
    await rename(join(dir, 'moved'), join(dir, 'target'));
    await mirrorsDisk(fs, dir, expect);
    expect(text(await readFile(fs, '/target/sub/two.txt'))).toBe('two');
  });

  it('keeps the second of two writes 10 ms apart (the first may still be read when the second lands)', async () => {
    const { dir, fs } = await mirrored(async (d) => writeFile(join(d, 'f.txt'), 'v0'));
    for (let trial = 1; trial <= 8; trial++) {
      await writeFile(join(dir, 'f.txt'), `first ${trial}`);
      await sleep(10);
      await writeFile(join(dir, 'f.txt'), `second ${trial}!`);
      await eventually(async () => expect(text(await readFile(fs, '/f.txt'))).toBe(`second ${trial}!`));
    }
  });

  it('catches a same-size rewrite right after a read (coarse file times)', async () => {
    const { dir, fs } = await mirrored(async (d) => writeFile(join(d, 'f.txt'), 'AAAA'));
    for (let trial = 0; trial < 5; trial++) {
      await writeFile(join(dir, 'f.txt'), 'BBBB');
      await writeFile(join(dir, 'f.txt'), 'CCCC');
      await eventually(async () => expect(text(await readFile(fs, '/f.txt'))).toBe('CCCC'));
      await writeFile(join(dir, 'f.txt'), 'AAAA');
      await eventually(async () => expect(text(await readFile(fs, '/f.txt'))).toBe('AAAA'));
    }
  });

  it('lets an open file keep reading the version it opened', async () => {
    const { dir, fs } = await mirrored(async (d) => writeFile(join(d, 'f.txt'), 'old version'));
    const file = await fs.open('/f.txt');
    await writeFile(join(dir, 'f.txt'), 'the new, longer version');
    await eventually(async () => expect(text(await readFile(fs, '/f.txt'))).toBe('the new, longer version'));
    expect((await file.stat()).size).toBe(11);
    expect(text(await readAll(file))).toBe('old version');
    const buf = new Uint8Array(64);
    expect(text(buf.subarray(0, await file.read(buf, 4)))).toBe('version');
    await file.close();
  });

  it('takes a file only from a stable read: every version it holds ends on a complete write', async () => {
    const { dir, fs } = await mirrored();
    const chunk = Buffer.alloc(256 * 1024, 1);
    const versions: string[] = [];
    // Each event's read is kept and awaited below: every version it saw is checked, and a read that
    // failed is recorded (never left as an unhandled rejection) and fails the test.
    const reads: Promise<void>[] = [];
    const failedReads: string[] = [];
    fs.on('change', ({ path }: ChangeEvent) => {
      if (path !== '/big.bin') return;
      reads.push(
        fs
          .open(path)
          .then(async (file) => {
            const [info, bytes] = [await file.stat(), await readAll(file)];
            versions.push(`${info.size}:${bytes.length}:${bytes.every((b) => b === 1)}`);
            await file.close();
          })
          .catch((err: Error) => void failedReads.push(err.message)),
      );
    });
    const { open } = await import('node:fs/promises');
    const handle = await open(join(dir, 'big.bin'), 'w');
    for (let i = 0; i < 32; i++) {
      await handle.write(chunk);
      await sleep(2);
    }
    await handle.close();
    await eventually(async () => expect((await fs.stat('/big.bin')).size).toBe(32 * chunk.length));
    await Promise.all(reads);
    expect(failedReads).toEqual([]);
    expect(versions.length).toBe(reads.length);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) {
      const [size, length, ones] = version.split(':');
      expect(size).toBe(length); // info and bytes of one version
      expect(Number(size) % chunk.length).toBe(0); // never in the middle of a write call
      expect(ones).toBe('true');
    }
  });

  it('reports changes on the feed after applying them, and logs them when verbose', async () => {
    const logger = recordingLogger();
    const { dir, fs } = await mirrored(undefined, { logger, verbose: true });
    expect(logger.lines.join('\n')).toMatch(/info hotfs: mirrored .*: 0 files, 1 directories, 0 bytes in \d+ ms/);
    const events: ChangeEvent[] = [];
    // What the mirror shows when each event is emitted: collected (never rejecting, so nothing goes
    // unhandled) and checked below, so a wrong answer fails this test.
    const missing: Promise<string | undefined>[] = [];
    fs.on('change', (event) => {
      events.push(event);
      missing.push(
        fs.tryStat(event.path).then(
          (info) => (info ? undefined : `${event.type} ${event.path}: not in the mirror when emitted`),
          (err: Error) => `${event.type} ${event.path}: ${err.message}`,
        ),
      );
    });
    await writeFile(join(dir, 'new.txt'), 'hi');
    await eventually(() => expect(events).toContainEqual({ type: 'add', path: '/new.txt' }));
    expect((await Promise.all(missing)).filter((m) => m !== undefined)).toEqual([]);
    expect(logger.lines).toContain('info hotfs: add /new.txt');
  });

  it('leaves ignored paths out', async () => {
    const { dir, fs } = await mirrored(
      async (d) => {
        await mkdir(join(d, 'node_modules/x'), { recursive: true });
        await writeFile(join(d, 'node_modules/x/i.js'), '1');
        await writeFile(join(d, 'keep.txt'), '1');
      },
      { ignore: /^\/node_modules(\/|$)/ },
    );
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['keep.txt']);
    await writeFile(join(dir, 'node_modules/late.js'), '2');
    await writeFile(join(dir, 'later.txt'), '2');
    await eventually(async () => expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['keep.txt', 'later.txt']));
    expect(await fs.tryStat('/node_modules/late.js')).toBeUndefined();
  });

  it('keeps files over maxFileSize or past maxBytes on disk, with their metadata mirrored', async () => {
    const { dir, fs } = await mirrored(
      async (d) => {
        await writeFile(join(d, 'small.txt'), 'x'.repeat(100));
        await writeFile(join(d, 'big.bin'), Buffer.alloc(5000, 2));
        await writeFile(join(d, 'mid1.bin'), Buffer.alloc(800, 3));
        await writeFile(join(d, 'mid2.bin'), Buffer.alloc(800, 4));
      },
      { maxFileSize: 1000, maxBytes: 1000 },
    );
    const { bytes, filesOnDisk } = fs.size;
    expect(bytes).toBeLessThanOrEqual(1000);
    expect(filesOnDisk).toBe(2); // big.bin (too large) and one of mid1/mid2 (budget)
    expect((await fs.stat('/big.bin')).size).toBe(5000);
    expect(await held(fs, '/big.bin')).toBe(false);
    const big = await fs.open('/big.bin');
    expect((await readAll(big)).every((b) => b === 2)).toBe(true);
    await big.close();
    await mirrorsDisk(fs, dir, expect, 1);
    // Free the budget: the mid-size file that stayed on disk must move into memory.
    const [inMemory, onDisk] = (await held(fs, '/mid1.bin')) ? ['mid1.bin', '/mid2.bin'] : ['mid2.bin', '/mid1.bin'];
    expect(await held(fs, onDisk)).toBe(false);
    await rm(join(dir, 'big.bin'));
    await rm(join(dir, inMemory));
    await fs.rescan();
    expect(fs.size.filesOnDisk).toBe(0);
    expect(await held(fs, onDisk)).toBe(true);
  });

  it('leaves FIFOs out, at load and when one appears later, and keeps syncing (an open would block forever)', async () => {
    const { dir, fs } = await mirrored(async (d) => {
      await writeFile(join(d, 'a.txt'), 'a');
      execFileSync('mkfifo', [join(d, 'pipe')]);
    });
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a.txt']);
    execFileSync('mkfifo', [join(dir, 'later')]);
    await writeFile(join(dir, 'b.txt'), 'b');
    await eventually(async () => expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a.txt', 'b.txt']));
    expect(await fs.tryStat('/later')).toBeUndefined();
    expect(fs.tryOpenSync('/pipe')).toBeUndefined();
  });

  it('mirrors links inside the root and follows changes through them', async () => {
    const { dir, fs } = await mirrored(async (d) => {
      await mkdir(join(d, 'real'));
      await writeFile(join(d, 'real/f.txt'), 'v1');
      await symlink('real', join(d, 'alias'));
      await symlink('/etc', join(d, 'outside'));
      await symlink('.', join(d, 'loop'));
    });
    expect(text(await readFile(fs, '/alias/f.txt'))).toBe('v1');
    expect(await fs.tryStat('/outside')).toBeUndefined();
    expect(await fs.tryStat('/loop')).toBeUndefined();
    await writeFile(join(dir, 'real/f.txt'), 'v2');
    await writeFile(join(dir, 'real/g.txt'), 'new');
    await eventually(async () => {
      expect(text(await readFile(fs, '/alias/f.txt'))).toBe('v2');
      expect(text(await readFile(fs, '/alias/g.txt'))).toBe('new');
    });
  });

  it('survives the root being deleted and recovers when it comes back', async () => {
    const logger = recordingLogger();
    const { dir, fs } = await mirrored(async (d) => writeFile(join(d, 'a.txt'), 'a'), { reconcileIntervalMs: 100, logger });
    await rm(dir, { recursive: true });
    await eventually(async () => expect(await fs.tryStat('/')).toBeUndefined());
    await expect(fs.open('/a.txt')).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(dir);
    await writeFile(join(dir, 'b.txt'), 'back');
    await eventually(async () => expect(text(await readFile(fs, '/b.txt'))).toBe('back'));
    await writeFile(join(dir, 'c.txt'), 'watched again');
    await eventually(async () => expect(text(await readFile(fs, '/c.txt'))).toBe('watched again'));
  });

  it('heals missed changes with rescan() and with the periodic reconcile when not watching', async () => {
    const { dir, fs } = await mirrored(async (d) => writeFile(join(d, 'a.txt'), 'a'), { watch: false });
    await writeFile(join(dir, 'b.txt'), 'b');
    await sleep(200);
    expect(await fs.tryStat('/b.txt')).toBeUndefined(); // nothing watches: proves the rescan does the work
    await fs.rescan();
    await mirrorsDisk(fs, dir, expect, 1);
    const { dir: dir2, fs: fs2 } = await mirrored(undefined, { watch: false, reconcileIntervalMs: 50 });
    await writeFile(join(dir2, 'c.txt'), 'c');
    await mirrorsDisk(fs2, dir2, expect);
  });

  it('a long first load does not put the first reconcile off: only a reconcile spaces the next one', async () => {
    // 3,000 files take a few hundred ms to load here; spaced at 25x that, the first reconcile would come seconds late.
    const { dir, fs } = await mirrored(
      async (d) => {
        for (let i = 0; i < 30; i++) {
          await mkdir(join(d, `d${i}`));
          await Promise.all(Array.from({ length: 100 }, (_, j) => writeFile(join(d, `d${i}`, `f${j}.txt`), `v1 ${i}/${j}`)));
        }
      },
      { watch: false, reconcileIntervalMs: 300 },
    );
    const started = performance.now();
    await writeFile(join(dir, 'd7/f7.txt'), 'v2 7/7');
    await eventually(async () => expect(text(await readFile(fs, '/d7/f7.txt'))).toBe('v2 7/7'), 2500);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('is unusable after close, and close is idempotent', async () => {
    const { fs } = await mirrored(async (d) => writeFile(join(d, 'a.txt'), 'a'));
    const file = await fs.open('/a.txt');
    await fs.close();
    await fs.close();
    await expect(fs.open('/a.txt')).rejects.toMatchObject({ code: 'EBADF' });
    expect(text(await readAll(file))).toBe('a'); // an open file keeps its version
  });
});

describe('MemFS progress', () => {
  it('reports the initial mirror as it goes and once at the end, never going backwards', async () => {
    const calls: number[] = [];
    const { fs } = await mirrored(
      async (d) => {
        for (let i = 0; i < 500; i++) await writeFile(join(d, `f${i}.txt`), 'x'.repeat(100));
      },
      { progress: ({ files }) => calls.push(files) },
    );
    expect(calls.at(-1)).toBe(500);
    expect(fs.size.files).toBe(500);
    expect(calls).toEqual([...calls].sort((a, b) => a - b));
    await expect(MemFS.mirror('.', { progress: 'yes' as never })).rejects.toThrow(/option 'progress' must be a function/);
  });
});

// Held in memory: two opens hand out the very same bytes (a file read from disk is a new buffer each time).
async function held(fs: MemFS, path: string): Promise<boolean> {
  const [a, b] = [await fs.open(path), await fs.open(path)];
  try {
    return a.bytes !== undefined && a.bytes() === b.bytes?.();
  } finally {
    await a.close();
    await b.close();
  }
}

describe('MemFS change feed (watch)', () => {
  it('announces a change once it is visible, stops when told, and survives a throwing listener', async () => {
    const logger = recordingLogger();
    const { dir, fs } = await mirrored(undefined, { logger, reconcileIntervalMs: 0 });
    expect(hasChangeFeed(fs)).toBe(true);
    const seen: string[] = [];
    const visible: Promise<boolean>[] = [];
    const stopThrowing = fs.watch(() => {
      throw new Error('listener bug');
    });
    const stop = fs.watch(({ type, path }) => {
      seen.push(`${type} ${path}`);
      visible.push(fs.tryStat(path).then((info) => (type.startsWith('unlink') ? info === undefined : info !== undefined)));
    });
    await writeFile(join(dir, 'a.txt'), 'a');
    await eventually(() => expect(seen).toContain('add /a.txt'));
    stop();
    stop();
    stopThrowing();
    await writeFile(join(dir, 'b.txt'), 'b');
    await eventually(async () => expect(await fs.tryStat('/b.txt')).toBeDefined());
    expect(seen).not.toContain('add /b.txt');
    expect(await Promise.all(visible)).not.toContain(false);
    expect(logger.lines.some((line) => line.includes('a change listener threw: listener bug'))).toBe(true);
  });
});
