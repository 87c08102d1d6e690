import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFS, FsError, cleanPath, release, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../src/handler.js';
import { resolveOptions } from '../src/options.js';
import { errorPlan, fileMeta, planFile, statusForCode, type RequestFacts } from '../src/respond.js';
import { createContext, serveContent, type ServeContext, type Served } from '../src/serve.js';
import { close, listen, request } from './client.js';
import { instrument } from './instrument.js';

/**
 * A tiny zero-copy backend with MemFS's contract: tryOpen without Errors, bytes(), and one frozen
 * FileInfo per version. It counts calls so tests can prove what the hot path does not do.
 */
class VersionedFS implements FileSystem {
  calls = { open: 0, tryOpen: 0, read: 0, bytes: 0 };
  readonly files = new Map<string, { info: FileInfo; bytes: Uint8Array }>();
  put(path: string, text: string | Uint8Array, mtimeMs = 1_700_000_000_123, etag?: string): void {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const info: FileInfo = Object.freeze({ name: path.slice(path.lastIndexOf('/') + 1), size: bytes.length, mtimeMs, isDirectory: false, ...(etag ? { etag } : {}) });
    this.files.set(path, { info, bytes });
  }
  async tryOpen(path: string): Promise<File | undefined> {
    this.calls.tryOpen++;
    const entry = this.files.get(cleanPath(path));
    if (!entry) return undefined;
    const calls = this.calls;
    return {
      stat: async () => entry.info,
      read: async (into, pos) => {
        calls.read++;
        const n = Math.max(0, Math.min(into.length, entry.bytes.length - pos));
        into.set(entry.bytes.subarray(pos, pos + n));
        return n;
      },
      readdir: async () => {
        throw new FsError('ENOTDIR', path);
      },
      close: async () => {},
      bytes: () => {
        calls.bytes++;
        return entry.bytes;
      },
    };
  }
  async open(path: string): Promise<File> {
    this.calls.open++;
    const f = await this.tryOpen(path);
    if (!f) throw new FsError('ENOENT', path);
    return f;
  }
  async stat(path: string): Promise<FileInfo> {
    return (await this.open(path)).stat();
  }
  async readdir(): Promise<FileInfo[]> {
    return [];
  }
  async close(): Promise<void> {}
}

/** A backend that fails with a given error code, its message full of host details. */
class FailingFS implements FileSystem {
  constructor(private readonly code: string) {}
  fail(): never {
    throw Object.assign(new FsError(this.code, '/x', `/home/secret/host/path ${this.code}`), { stack: 'STACK at /home/secret' });
  }
  async open(): Promise<File> {
    this.fail();
  }
  async stat(): Promise<FileInfo> {
    this.fail();
  }
  async readdir(): Promise<FileInfo[]> {
    this.fail();
  }
  async close(): Promise<void> {}
}

function ctxFor(fs: FileSystem): ServeContext {
  return { ...createContext(fs, {}), boundary: 'B' };
}
const GET: RequestFacts = { method: 'GET' };

/**
 * serveContent's outcome as a promise, plus `now`: the outcome when it came before serveContent
 * returned (no promise at all). A second call of `done` fails the test.
 */
function serve(ctx: ServeContext, facts: RequestFacts, target: string): { now: Served | undefined; served: Promise<Served> } {
  let now: Served | undefined;
  let inside = true;
  let calls = 0;
  const served = new Promise<Served>((resolve) =>
    serveContent(ctx, facts, target, (s) => {
      if (++calls > 1) throw new Error(`done called ${calls} times for ${target}`);
      if (inside) now = s;
      resolve(s);
    }),
  );
  inside = false;
  return { now, served };
}

/** The four required methods of an open file, bound to it (spreading a class instance loses them). */
function bound(file: File): File {
  return { stat: () => file.stat(), read: (into, position) => file.read(into, position), readdir: () => file.readdir(), close: () => file.close() };
}

/** `fs` with its capabilities kept, counting the files it opens and the closes they get. */
function counting(fs: FileSystem, counts: { opened: number; closed: number }): FileSystem {
  const wrap = (file: File): File => {
    counts.opened++;
    const w: File = { ...bound(file), close: () => (counts.closed++, file.close()) };
    if (file.statSync) w.statSync = () => file.statSync!();
    if (file.bytes) w.bytes = () => file.bytes!();
    if (file.closeSync) w.closeSync = () => (counts.closed++, file.closeSync!());
    return w;
  };
  const w: FileSystem = { open: async (p) => wrap(await fs.open(p)), stat: (p) => fs.stat(p), readdir: (p) => fs.readdir(p), close: () => fs.close() };
  if (fs.tryOpen) w.tryOpen = async (p) => ((f) => f && wrap(f))(await fs.tryOpen!(p));
  if (fs.tryOpenSync) w.tryOpenSync = (p) => ((f) => f && wrap(f))(fs.tryOpenSync!(p));
  return w;
}

/** DiskFS with its synchronous open but without `statSync` on the files it opens. */
function withoutStatSync(disk: DiskFS): FileSystem {
  return {
    open: (p) => disk.open(p),
    stat: (p) => disk.stat(p),
    readdir: (p) => disk.readdir(p),
    close: () => disk.close(),
    tryOpenSync: (p) => {
      const file = disk.tryOpenSync!(p);
      return file === undefined ? undefined : { ...bound(file), ...(file.bytes ? { bytes: () => file.bytes!() } : {}) };
    },
  };
}

describe('the pure core', () => {
  const info: FileInfo = { name: 'a.txt', size: 10, mtimeMs: 1_700_000_000_500, isDirectory: false, etag: 'v1' };
  const meta = fileMeta(info, resolveOptions({}));

  it('plans a plain GET from cached headers without allocating new header lists', () => {
    const p = planFile(GET, meta, 'B');
    expect(p.status).toBe(200);
    expect(p.headers).toBe(meta.ok);
    expect(p.body).toEqual([{ start: 0, end: 10 }]);
    expect(planFile({ method: 'HEAD' }, meta, 'B').body).toBeUndefined();
    expect(meta.etag).toBe('"v1"');
  });

  it('quotes a backend ETag, W/ for a weak one, or falls back to a weak tag of size and mtime', () => {
    expect(fileMeta({ ...info, etag: 'has"quote' }, resolveOptions({})).etag).toBe(`W/"${(10).toString(36)}-${(1_700_000_000_500).toString(36)}"`);
    expect(fileMeta({ ...info, etag: undefined }, resolveOptions({})).etag).toMatch(/^W\/"[a-z0-9]+-[a-z0-9]+"$/);
    expect(fileMeta({ ...info, etag: undefined, weakEtag: 'w1' }, resolveOptions({})).etag).toBe('W/"w1"');
    // An unusable weak tag falls back too; a strong one wins over a weak one (a backend sets one only).
    expect(fileMeta({ ...info, etag: undefined, weakEtag: 'bad"' }, resolveOptions({})).etag).toMatch(/^W\/"[a-z0-9]+-[a-z0-9]+"$/);
    expect(fileMeta({ ...info, weakEtag: 'w1' }, resolveOptions({})).etag).toBe('"v1"');
  });

  it('304 carries validators and caching only', () => {
    const p = planFile({ method: 'GET', ifNoneMatch: '"v1"' }, meta, 'B');
    expect(p.status).toBe(304);
    expect(p.headers).toEqual(['ETag', '"v1"']);
    expect(p.body).toBeUndefined();
  });

  it('multipart length is exact and parts reference file slices', () => {
    const p = planFile({ method: 'GET', range: 'bytes=0-1,5-6' }, meta, 'B');
    expect(p.status).toBe(206);
    const total = p.body!.reduce((n, part) => n + (part instanceof Uint8Array ? part.length : part.end - part.start), 0);
    const h = p.headers;
    expect(Number(h[h.indexOf('Content-Length') + 1])).toBe(total);
    expect(h[h.indexOf('Content-Type') + 1]).toBe('multipart/byteranges; boundary=B');
  });

  it('asks to sniff when the name has no type', () => {
    const m = fileMeta({ ...info, name: 'README' }, resolveOptions({}));
    expect(planFile(GET, m, 'B').needsType).toBe(true);
    expect(planFile({ method: 'GET', ifNoneMatch: '"v1"' }, m, 'B').status).toBe(304);
  });

  it('maps backend codes to statuses', () => {
    expect([
      statusForCode('ENOENT'),
      statusForCode('ENOTDIR'),
      statusForCode('EACCES'),
      statusForCode('EINVAL'),
      statusForCode('EMFILE'),
      statusForCode('EIO'),
      statusForCode(undefined),
    ]).toEqual([404, 404, 403, 400, 503, 503, 500]);
    expect(new TextDecoder().decode(errorPlan(500).body![0] as Uint8Array)).toBe('500 Internal Server Error\n');
  });
});

describe('serve with a zero-copy, versioned backend', () => {
  it('computes headers once per FileInfo version and sends views of the backend bytes', async () => {
    const fs = new VersionedFS();
    fs.put('/a.txt', 'hello world');
    const ctx = ctxFor(fs);
    const one = await serve(ctx, GET, '/a.txt').served;
    const two = await serve(ctx, GET, '/a.txt').served;
    expect(two.plan.headers).toBe(one.plan.headers);
    fs.put('/a.txt', 'hello again!');
    const three = await serve(ctx, GET, '/a.txt').served;
    expect(three.plan.headers).not.toBe(one.plan.headers);
    expect(fs.calls.open).toBe(0);
    expect(fs.calls.read).toBe(0);
  });

  it('a miss costs no Error: tryOpen only', async () => {
    const fs = new VersionedFS();
    const served = await serve(ctxFor(fs), GET, '/missing.txt').served;
    expect(served.plan.status).toBe(404);
    expect([fs.calls.tryOpen, fs.calls.open]).toEqual([1, 0]);
  });

  it('over a socket: no read() calls, 304/HEAD/416/404 touch no bytes', async () => {
    const fs = new VersionedFS();
    fs.put('/a.txt', 'hello world', 1_700_000_000_123, 'sha-abc');
    fs.put('/noext', 'sniffed text');
    const { server, port } = await listen(createHandler(fs));
    try {
      const r = await request(port, '/a.txt');
      expect([r.status, r.body.toString(), r.headers['etag']]).toEqual([200, 'hello world', '"sha-abc"']);
      expect((await request(port, '/a.txt', { range: 'bytes=6-' })).body.toString()).toBe('world');
      expect((await request(port, '/noext')).headers['content-type']).toBe('text/plain; charset=utf-8');
      const bytesBefore = fs.calls.bytes;
      expect((await request(port, '/a.txt', { 'if-none-match': '"sha-abc"' })).status).toBe(304);
      expect((await request(port, '/a.txt', {}, 'HEAD')).status).toBe(200);
      expect((await request(port, '/a.txt', { range: 'bytes=50-' })).status).toBe(416);
      expect((await request(port, '/zzz')).status).toBe(404);
      expect(fs.calls.bytes).toBe(bytesBefore);
      expect(fs.calls.read).toBe(0);
    } finally {
      await close(server);
    }
  });
});

describe('errors never leak', () => {
  it.each([
    ['EACCES', 403],
    ['EINVAL', 400],
    ['EMFILE', 503],
    ['EIO', 503],
    ['EWHATEVER', 500],
  ])('%s -> %i with a generic body', async (code, status) => {
    const logged: unknown[] = [];
    const { server, port } = await listen(createHandler(new FailingFS(code), { logger: (e) => logged.push(e.error) }));
    try {
      const r = await request(port, '/x.txt');
      expect(r.status).toBe(status);
      expect(r.body.toString()).toMatch(/^\d{3} [A-Za-z ]+\n$/);
      expect(r.body.toString()).not.toMatch(/secret|STACK|host|FsError|EACCES|EIO/);
      expect(Object.values(r.headers).join(' ')).not.toContain('secret');
      expect(logged[0]).toBeInstanceOf(FsError);
    } finally {
      await close(server);
    }
  });
});

describe('options validation', () => {
  const fs = new VersionedFS();
  it.each([
    [{ dotfiles: 'hide' }, /option 'dotfiles'/],
    [{ index: 'a/b' }, /option 'index'/],
    [{ index: [''] }, /option 'index'/],
    [{ listing: 'yes' }, /option 'listing'/],
    [{ maxAge: -1 }, /option 'maxAge'/],
    [{ maxAge: 1.5 }, /option 'maxAge'/],
    [{ immutable: true }, /option 'immutable'/],
    [{ immutable: 'yes', maxAge: 1 }, /option 'immutable'/],
    [{ headers: { 'Bad Name': 'x' } }, /option 'headers'/],
    [{ headers: { 'Content-Length': '1' } }, /option 'headers'/],
    [{ headers: { 'X-A': 'line\nbreak' } }, /option 'headers'/],
    [{ logger: 'console' }, /option 'logger'/],
    [{ fallthrough: 1 }, /option 'fallthrough'/],
    [{ prefix: 'static' }, /option 'prefix'/],
    [{ prefix: '/a/../b/' }, /option 'prefix'/],
    [{ prefix: '/a//b' }, /option 'prefix' must not contain '\/\/' .*; got "\/a\/\/b"/],
    [{ maxage: 1 }, /unknown option 'maxage'/],
  ])('rejects %j', (options, message) => {
    expect(() => createHandler(fs, options as never)).toThrow(TypeError);
    expect(() => createHandler(fs, options as never)).toThrow(message);
  });
  it('rejects something that is not a FileSystem', () => {
    expect(() => createHandler({} as never)).toThrow(TypeError);
  });
  it('accepts every documented option', () => {
    expect(() =>
      createHandler(fs, {
        prefix: '/s/',
        dotfiles: 'deny',
        index: ['index.html', 'index.htm'],
        listing: false,
        maxAge: 60,
        immutable: true,
        headers: { 'X-Frame-Options': 'DENY' },
        logger: () => {},
        fallthrough: true,
      }),
    ).not.toThrow();
  });
});

describe('streaming from a backend without bytes()', () => {
  it('stops reading and closes the file when the client goes away mid-body', async () => {
    const { DiskFS } = await import('@hotfs/core');
    const { createFixture } = await import('@hotfs/core/conformance');
    const { connect } = await import('node:net');
    const { writeFile } = await import('node:fs/promises');
    const fixture = await createFixture();
    // 32 MiB: more than any socket buffer holds, so a paused client must stop the reads.
    await writeFile(`${fixture.root}/huge.bin`, new Uint8Array(32 * 1024 * 1024));
    const disk = new DiskFS(fixture.root);
    let opened = 0;
    let closed = 0;
    let reads = 0;
    // The real DiskFS, counting what the handler does with its files.
    const counting = instrument(disk, { opened: () => opened++, read: () => void reads++, closed: () => closed++ });
    const { server, port } = await listen(createHandler(counting));
    try {
      const socket = connect(port, '127.0.0.1');
      socket.pause();
      socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      // Until the server has stopped reading on its own (the paused client's backpressure): reads
      // begun and then unchanged over five polls 20 ms apart, within 5 s.
      for (let last = -1, still = 0, deadline = Date.now() + 5000; still < 5 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        still = reads > 0 && reads === last ? still + 1 : 0;
        last = reads;
      }
      socket.destroy();
      const deadline = Date.now() + 2000;
      while (closed < opened && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(opened).toBe(1);
      expect(closed).toBe(1);
      // The whole file would take 32 reads of 1 MiB.
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThan(24);
      expect((await request(port, '/hello.txt')).status).toBe(200);
    } finally {
      await close(server);
      await fixture.remove();
    }
  });
});

describe('what DiskFS requests read', () => {
  it('HEAD, 304, 412, 416 and 404 read no content; a GET reads in 1 MiB chunks', async () => {
    const { DiskFS } = await import('@hotfs/core');
    const { createFixture } = await import('@hotfs/core/conformance');
    const fixture = await createFixture();
    const disk = new DiskFS(fixture.root);
    const sizes: number[] = [];
    const counting = instrument(disk, { read: (into) => void sizes.push(into.length) });
    const { server, port } = await listen(createHandler(counting));
    try {
      const { headers } = await request(port, '/large.bin', {}, 'HEAD');
      sizes.length = 0;
      expect((await request(port, '/large.bin', {}, 'HEAD')).status).toBe(200);
      expect((await request(port, '/large.bin', { 'if-none-match': headers['etag']! })).status).toBe(304);
      expect((await request(port, '/large.bin', { 'if-match': '"other"' })).status).toBe(412);
      expect((await request(port, '/large.bin', { range: 'bytes=99999999-' })).status).toBe(416);
      expect((await request(port, '/nope.bin')).status).toBe(404);
      expect(sizes).toEqual([]);
      const r = await request(port, '/large.bin');
      expect(r.body.length).toBe(Number(headers['content-length']));
      expect(sizes.slice(0, 5)).toEqual(Array(5).fill(1024 * 1024));
      expect(sizes.length).toBe(6);
    } finally {
      await close(server);
      await fixture.remove();
    }
  });
});

describe('serve over a backend with tryOpenSync (DiskFS on a temp dir)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotfs-sync-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'a.txt'), 'hello');
    await writeFile(join(dir, 'noext'), 'plain words');
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(200_000, 1));
    await mkdir(join(dir, 'site'));
    await writeFile(join(dir, 'site', 'index.html'), '<p>hi</p>');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true });
  });

  it('answers files, misses and redirects without a promise; listings and io: async await', async () => {
    const ctx = ctxFor(new DiskFS(dir));
    for (const [target, status] of [
      ['/a.txt', 200],
      ['/noext', 200],
      ['/big.bin', 200],
      ['/nope', 404],
      ['/sub', 301],
      ['/a.txt/', 301],
      ['/%zz', 400],
    ] as const) {
      const { now } = serve(ctx, GET, target);
      expect(now, target).toBeDefined();
      expect(now!.plan.status, target).toBe(status);
      await now!.file?.close();
    }
    const sniffed = serve(ctx, GET, '/noext').now!;
    expect(sniffed.plan.headers).toContain('text/plain; charset=utf-8');
    await sniffed.file?.close();
    const listing = serve(ctx, GET, '/sub/');
    expect(listing.now).toBeUndefined();
    expect((await listing.served).plan.status).toBe(200);
    const slow = serve(ctxFor(new DiskFS(dir, { io: 'async' })), GET, '/a.txt');
    expect(slow.now).toBeUndefined();
    const { plan, file } = await slow.served;
    expect(plan.status).toBe(200);
    await file?.close();
  });

  // The same steps whether they run without a promise or with awaits, for every mix of capabilities.
  it.each([
    ['tryOpenSync + statSync', (disk: DiskFS): FileSystem => disk],
    ['tryOpenSync without statSync', (disk: DiskFS): FileSystem => withoutStatSync(disk)],
    ["io: 'async'", (): FileSystem => new DiskFS(dir, { io: 'async' })],
    ['the four required methods only', (disk: DiskFS): FileSystem => instrument(disk, {})],
  ])('%s: each answer once, every file closed', async (_, backend) => {
    const counts = { opened: 0, closed: 0 };
    const ctx = ctxFor(counting(backend(new DiskFS(dir)), counts));
    const expected: [string, number, string | undefined][] = [
      ['/a.txt', 200, 'text/plain; charset=utf-8'],
      ['/noext', 200, 'text/plain; charset=utf-8'],
      ['/nope', 404, undefined],
      ['/sub', 301, undefined],
      ['/sub/', 200, 'text/html; charset=utf-8'],
      ['/a.txt/', 301, undefined],
      ['/site/', 200, 'text/html; charset=utf-8'],
      ['/site/index.html', 301, undefined],
      ['/%zz', 400, undefined],
    ];
    for (const [target, status, type] of expected) {
      const { plan, file } = await serve(ctx, GET, target).served;
      expect(plan.status, target).toBe(status);
      if (type !== undefined) expect(plan.headers[plan.headers.indexOf('Content-Type') + 1], target).toBe(type);
      if (file !== undefined) release(file);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counts.opened).toBeGreaterThan(0);
    expect(counts.closed).toBe(counts.opened);
  });

  it('a failure in the synchronous lookup is an error plan and closes what it opened', async () => {
    const disk = new DiskFS(dir);
    let closes = 0;
    const failing: FileSystem = {
      open: (p) => disk.open(p),
      stat: (p) => disk.stat(p),
      readdir: (p) => disk.readdir(p),
      close: () => disk.close(),
      tryOpenSync: (p) => {
        const file = disk.tryOpenSync!(p);
        if (file === undefined) return undefined;
        return {
          ...bound(file),
          statSync: () => {
            throw new FsError('EACCES', p);
          },
          closeSync: () => {
            closes++;
            file.closeSync!();
          },
        };
      },
    };
    const { now } = serve(ctxFor(failing), GET, '/a.txt');
    expect([now?.plan.status, now?.file, closes]).toEqual([403, undefined, 1]);
    expect((now?.error as FsError).code).toBe('EACCES');
  });

  it('reuses the headers of a disk file version across requests, and not after it changes', async () => {
    const ctx = ctxFor(new DiskFS(dir));
    const headersOf = async (): Promise<readonly string[]> => {
      const { plan, file } = await serve(ctx, GET, '/a.txt').served;
      await file?.close();
      return plan.headers;
    };
    const first = await headersOf();
    expect(await headersOf()).toBe(first);
    await utimes(join(dir, 'a.txt'), new Date(), new Date(Date.now() - 60_000));
    const changed = await headersOf();
    expect(changed).not.toBe(first);
    expect(changed[changed.indexOf('ETag') + 1]).not.toBe(first[first.indexOf('ETag') + 1]);
  });
});
