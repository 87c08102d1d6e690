import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { MemFS, MirrorPublisher, ReplicaFS, hasEncodings, joinPath, readAll, release, type ChangeEvent, type FileSystem } from '@hotfs/core';
import { checkFileSystem, createFixture } from '@hotfs/core/conformance';
import { eventually, tempDir } from './support.js';

const WORKER = new URL('./fixtures/replica-worker.mjs', import.meta.url);

/** A worker thread with a ReplicaFS over `publisher`, asked questions by message. */
class ReplicaWorker {
  readonly worker: Worker;
  readonly events: { event: ChangeEvent; at: number }[] = [];
  readonly #pending = new Map<number, (reply: { value?: unknown; error?: string }) => void>();
  #next = 0;
  readonly ready: Promise<void>;

  constructor(publisher: MirrorPublisher) {
    const port = publisher.connect();
    this.worker = new Worker(WORKER, { workerData: { port }, transferList: [port] });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (message: { ready?: true; id?: number; event?: ChangeEvent; at?: number; value?: unknown; error?: string }) => {
        if (message.ready) resolve();
        else if (message.event) this.events.push({ event: message.event, at: message.at! });
        else this.#pending.get(message.id!)?.(message);
      });
    });
  }

  async ask<T>(op: string, path?: string): Promise<T> {
    const id = this.#next++;
    const reply = await new Promise<{ value?: unknown; error?: string }>((resolve) => {
      this.#pending.set(id, resolve);
      this.worker.postMessage({ id, op, path });
    });
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.value as T;
  }
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** What the worker's `tree` op gives, computed on the main thread's MemFS. */
async function tree(fs: FileSystem): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string): Promise<void> => {
    const info = await fs.stat(path);
    if (info.isDirectory) {
      const entries = await fs.readdir(path);
      out[path] = `dir [${entries.map((e) => e.name).join(',')}]`;
      for (const entry of entries) await walk(joinPath(path, entry.name));
      return;
    }
    const file = await fs.open(path);
    try {
      out[path] = `file ${info.size} ${sha(await readAll(file))}`;
    } finally {
      await file.close();
    }
  };
  await walk('/');
  return out;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(files: Record<string, string | Uint8Array>, options: Parameters<typeof MemFS.mirror>[1] = {}) {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const mirror = await MemFS.mirror(dir, { shared: true, reconcileIntervalMs: 0, ...options });
  cleanups.push(() => mirror.close());
  const publisher = new MirrorPublisher(mirror);
  cleanups.push(() => publisher.close());
  const start = (): ReplicaWorker => {
    const worker = new ReplicaWorker(publisher);
    cleanups.push(() => worker.worker.terminate());
    return worker;
  };
  return { dir, mirror, publisher, start };
}

describe('ReplicaFS in worker threads over a MirrorPublisher', () => {
  it('shows every file byte-identical, from shared memory, and every change', async () => {
    const { dir, mirror, start } = await setup({
      'index.html': '<h1>hi</h1>',
      'a/b/c.txt': 'deep',
      'a/empty.txt': '',
      'bin.dat': randomBytes(300_000),
    });
    const [one, two] = [start(), start()];
    await Promise.all([one.ready, two.ready]);
    const expected = await tree(mirror);
    expect(await one.ask('tree')).toEqual(expected);
    expect(await two.ask('tree')).toEqual(expected);
    expect(await one.ask('file', '/bin.dat')).toMatchObject({ shared: true });

    await writeFile(join(dir, 'index.html'), '<h1>new</h1>');
    await writeFile(join(dir, 'a/new.txt'), 'added');
    await rm(join(dir, 'a/b'), { recursive: true });
    await eventually(async () => expect(await tree(mirror)).toMatchObject({ '/a': 'dir [empty.txt,new.txt]' }), 5_000);
    await eventually(async () => {
      const now = await tree(mirror);
      expect(await one.ask('tree')).toEqual(now);
      expect(await two.ask('tree')).toEqual(now);
    }, 2_000);
  });

  it('announces a change in every worker within a few ms of the main thread', async () => {
    const { dir, mirror, start } = await setup({ 'f.txt': 'v0' });
    const workers = [start(), start()];
    await Promise.all(workers.map((w) => w.ready));
    const seen: { path: string; at: number }[] = [];
    mirror.watch(({ path }) => seen.push({ path, at: performance.timeOrigin + performance.now() }));
    const lags: number[] = [];
    for (let i = 1; i <= 20; i++) {
      await writeFile(join(dir, 'f.txt'), `v${i}`);
      await eventually(() => expect(seen.length).toBe(i), 5_000, 5);
      const at = seen[i - 1]!.at;
      await eventually(() => workers.forEach((w) => expect(w.events.length).toBe(i)), 1_000, 1);
      for (const w of workers) lags.push(w.events[i - 1]!.at - at);
      const file = await workers[0]!.ask<{ sha: string }>('file', '/f.txt');
      expect(file.sha).toBe(sha(Buffer.from(`v${i}`)));
    }
    lags.sort((a, b) => a - b);
    const median = lags[lags.length >> 1]!;
    console.log(`replica lag after the main thread's change event: median ${median.toFixed(2)} ms, max ${lags.at(-1)!.toFixed(2)} ms`);
    expect(median).toBeLessThan(200);
  });

  it('keeps the version a worker opened when the file changes', async () => {
    const { dir, mirror, start } = await setup({ 'f.txt': 'first' });
    const worker = start();
    await worker.ready;
    await worker.ask('hold', '/f.txt');
    await writeFile(join(dir, 'f.txt'), 'second version');
    await eventually(async () => expect((await worker.ask<{ sha: string }>('file', '/f.txt')).sha).toBe(sha(Buffer.from('second version'))), 5_000);
    expect(await worker.ask('held', '/f.txt')).toBe(sha(Buffer.from('first')));
    expect(mirror.size.files).toBe(1);
  });

  it('shares encodings, and sends each one computed after the change that made its version', async () => {
    const { dir, mirror, start } = await setup({ 'app.js': 'const x = 1;\n'.repeat(2000) }, { compress: { codings: ['gzip'] } });
    await mirror.encodingsSettled();
    const main = await mirror.open('/app.js');
    expect(hasEncodings(main) && main.encodings().map((e) => e.bytes.buffer instanceof SharedArrayBuffer)).toEqual([true]);
    release(main);
    const worker = start();
    await worker.ready;
    expect(await worker.ask('file', '/app.js')).toMatchObject({ shared: true, encodings: [{ coding: 'gzip', shared: true }] });
    const encoded: string[] = [];
    mirror.on('encoded', (path) => encoded.push(path));
    await writeFile(join(dir, 'late.css'), 'body { color: red }\n'.repeat(500));
    await eventually(() => expect(encoded).toEqual(['/late.css']), 5_000);
    await eventually(async () => expect(await worker.ask('file', '/late.css')).toMatchObject({ encodings: [{ coding: 'gzip', shared: true }] }), 1_000);
  });

  it('opens a file the mirror keeps on disk from the disk', async () => {
    const { start } = await setup({ 'big.bin': Buffer.alloc(5000, 7), 'small.txt': 'x' }, { maxFileSize: 1000 });
    const worker = start();
    await worker.ready;
    expect((await worker.ask<{ sha: string }>('file', '/small.txt')).sha).toBe(sha(Buffer.from('x')));
    expect(await worker.ask<Record<string, string>>('tree')).toMatchObject({ '/big.bin': `file 5000 ${sha(Buffer.alloc(5000, 7))}` });
  });
});

describe('ReplicaFS conformance', () => {
  it('conforms as MemFS does (a replica in this thread, over a MessageChannel)', async () => {
    const fixture = await createFixture();
    cleanups.push(() => fixture.remove());
    const mirror = await MemFS.mirror(fixture.root, { shared: true, reconcileIntervalMs: 0 });
    cleanups.push(() => mirror.close());
    const publisher = new MirrorPublisher(mirror);
    cleanups.push(() => publisher.close());
    const replica = await ReplicaFS.connect(publisher.connect());
    cleanups.push(() => replica.close());
    expect(await checkFileSystem(replica, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
    expect(await tree(replica)).toEqual(await tree(mirror));
  });
});

describe('ReplicaFS memory', () => {
  it('shares the bytes: a second worker over 48 MiB adds only its own fixed cost', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 48; i++) files[`f${i}.bin`] = randomBytes(1024 * 1024);
    const { start } = await setup(files);
    const rss = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 50));
      return process.memoryUsage().rss;
    };
    const base = await rss();
    const one = start();
    await one.ready;
    expect(await one.ask('touch')).toBe(49);
    const afterOne = await rss();
    const two = start();
    await two.ready;
    expect(await two.ask('touch')).toBe(49);
    const afterTwo = await rss();
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    console.log(`rss: +${mib(afterOne - base)} MiB for the first worker, +${mib(afterTwo - afterOne)} MiB for the second (48 MiB mirrored)`);
    // A copy would cost 48 MiB per worker; a worker thread of its own costs ~10-20 MiB.
    expect(afterTwo - afterOne).toBeLessThan(32 * 2 ** 20);
    expect(afterOne - base).toBeLessThan(32 * 2 ** 20);
  });
});
