// Slow and broken clients against a server in its own process (test/fixtures/server.mjs), so that
// the memory and descriptors measured are the server's alone: slowloris heads are cut off by the
// timeouts, slow readers of 100 MiB do not make the server buffer the file, and 1,000 downloads
// aborted mid-body leave no descriptor, no memory and no broken server behind.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes } from '@hotfs/core/conformance';
import { request } from './client.js';
import { instrument } from './instrument.js';

const MiB = 1024 * 1024;
const fixture = fileURLToPath(new URL('./fixtures/server.mjs', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Stats {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  external: number;
  fds: number;
  connections: number;
  errors: string[];
}

interface Child {
  port: number;
  /** Server memory after a forced GC, and its descriptors counted before that GC. */
  stats: () => Promise<Stats>;
  /** The same without forcing a GC. */
  statsNoGc: () => Promise<Stats>;
  /** Everything the server wrote to stderr (Node's warnings included). */
  stderr(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

/** Starts the fixture server over `root`; the timeouts are short so the slowloris tests stay fast. */
async function startServer(backend: 'disk' | 'mem', root: string, headersTimeout = 1000, requestTimeout = 2000): Promise<Child> {
  const child = fork(fixture, [backend, root, String(headersTimeout), String(requestTimeout)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    process.stderr.write(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 20 s')), 20_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  let id = 0;
  const stats = (gc: boolean): Promise<Stats> =>
    new Promise<Stats>((resolve, reject) => {
      const mine = ++id;
      const timer = setTimeout(() => reject(new Error('no stats within 10 s')), 10_000);
      const on = (m: { id?: number; stats?: Stats }): void => {
        if (m.id !== mine) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(m.stats!);
      };
      child.on('message', on);
      child.send({ cmd: 'stats', id: mine, gc });
    });
  return {
    port,
    stats: () => stats(true),
    statsNoGc: () => stats(false),
    stderr: () => stderr,
    stop: () => stopChild(child, () => child.send({ cmd: 'exit' })),
  };
}

function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      ask();
    } catch {
      child.kill('SIGKILL');
    }
  });
}

/** Resolves when `socket` closes, or with false once `ms` pass (then destroys it). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    // Keep reading: a paused socket never sees the server's FIN.
    socket.resume();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Polls `read` until `done` holds or `ms` pass; returns the last value. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < deadline) {
    await sleep(100);
    v = await read();
  }
  return v;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotfs-clients-'));
  await writeFile(join(dir, 'hello.txt'), 'Hello, hotfs!\n');
  await writeFile(join(dir, 'small.bin'), patternBytes(1024, 3));
  await writeFile(join(dir, 'medium.bin'), patternBytes(64 * 1024, 5));
  await writeFile(join(dir, 'mib.bin'), patternBytes(MiB + 7, 9));
  await writeFile(join(dir, 'eight.bin'), patternBytes(8 * MiB + 3, 13));
  // 100 MiB of one repeated 1 MiB pattern: cheap to write, and still distinct offsets within a MiB.
  const chunk = Buffer.from(patternBytes(MiB, 17));
  await writeFile(join(dir, 'huge.bin'), Buffer.concat(Array.from({ length: 100 }, () => chunk)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('slowloris: the header and request timeouts cut off clients that never finish', () => {
  let server: Child;
  beforeAll(async () => {
    server = await startServer('disk', dir, 1000, 2000);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a client that never finishes its headers is closed, and others are served meanwhile', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => connected(server.port)));
    const replies: string[] = sockets.map(() => '');
    sockets.forEach((s, i) => {
      s.on('data', (d: Buffer) => (replies[i] += d.toString('latin1')));
      s.on('error', () => {});
      s.write('GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    });
    const closing = sockets.map((s) => closedWithin(s, 10_000));
    // While they hang, a normal client is answered.
    for (let i = 0; i < 5; i++) {
      const r = await request(server.port, '/hello.txt');
      expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
    }
    expect(await Promise.all(closing)).toEqual(sockets.map(() => true));
    // Node answers 408 (or just closes); never the file.
    for (const reply of replies) expect(reply === '' || reply.startsWith('HTTP/1.1 408')).toBe(true);
    const s = await until(server.stats, (v) => v.connections === 0, 5_000);
    expect(s.connections).toBe(0);
  });

  it('a client that sends its headers a byte at a time is closed before it finishes', async () => {
    const socket = await connected(server.port);
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    const head = 'GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris/1.0 (one byte every 100 ms)\r\n\r\n';
    let sent = 0;
    // One byte per 100 ms: the whole head would take ~9 s; the 1 s header timeout must win.
    const deadline = Date.now() + 15_000;
    while (sent < head.length && !socket.destroyed && Date.now() < deadline) {
      socket.write(head[sent]!);
      sent++;
      await sleep(100);
    }
    const closed = await closedWithin(socket, 5_000);
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(head.length);
    expect(reply).not.toContain('Hello, hotfs!');
    expect((await request(server.port, '/hello.txt')).status).toBe(200);
  });

  it('a client that trickles a request body is closed by the 2 s request timeout', async () => {
    const socket = await connected(server.port);
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    // Headers complete at once; the promised megabyte of body then comes a byte per 100 ms.
    socket.write('POST /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n');
    let sent = 0;
    const deadline = Date.now() + 12_000;
    while (!socket.destroyed && socket.readyState === 'open' && Date.now() < deadline) {
      socket.write('x');
      sent++;
      await sleep(100);
    }
    expect(await closedWithin(socket, 3_000)).toBe(true);
    // The handler answered at once (405); the connection is what the timeout takes away.
    expect(reply.startsWith('HTTP/1.1 405')).toBe(true);
    expect(sent).toBeLessThan(120);
    expect((await request(server.port, '/hello.txt')).status).toBe(200);
  });

  it('the hotfs command enforces --headers-timeout promptly (Node sweeps only every 30 s by default)', async () => {
    const child = spawn(process.execPath, [cli, '--path', dir, '--addr', '127.0.0.1:0', '--backend', 'disk', '--headers-timeout', '1000', '--request-timeout', '2000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address printed: ${out}`)), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      const socket = await connected(port);
      socket.on('error', () => {});
      socket.write('GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // 1 s timeout; 8 s of slack for a busy machine, still far below Node's 30 s default sweep.
      expect(await closedWithin(socket, 9_000)).toBe(true);
    } finally {
      await stopChild(child, () => child.kill('SIGTERM'));
    }
  });
});

for (const backend of ['mem', 'disk'] as const) {
  describe(`slow and aborting readers over ${backend === 'mem' ? 'MemFS' : 'DiskFS'}`, () => {
    let server: Child;
    beforeAll(async () => {
      // Long timeouts: these clients send their request at once; only their reading is slow.
      server = await startServer(backend, dir, 30_000, 60_000);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('4 slow readers of a 100 MiB file: the server does not buffer the file per connection', async () => {
      // Warm up (mime tables, first-request allocations) so the baseline is steady.
      expect((await request(server.port, '/hello.txt')).status).toBe(200);
      const before = await server.stats();
      if (backend === 'mem') expect(before.arrayBuffers, 'the mirrored copy is in memory').toBeGreaterThan(100 * MiB);
      const readers = await Promise.all(Array.from({ length: 4 }, () => connected(server.port)));
      const received = readers.map(() => 0);
      readers.forEach((s, i) => {
        s.pause();
        s.on('data', (d: Buffer) => {
          received[i]! += d.length;
          s.pause();
        });
        s.on('error', () => {});
        s.write('GET /huge.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      // Read a little at a time, for a bounded time (30 rounds of 100 ms).
      for (let round = 0; round < 30; round++) {
        await sleep(100);
        for (const s of readers) s.resume();
        await sleep(5);
        for (const s of readers) s.pause();
      }
      const during = await server.stats();
      const grown = { arrayBuffers: during.arrayBuffers - before.arrayBuffers, heapUsed: during.heapUsed - before.heapUsed, rss: during.rss - before.rss };
      console.log(
        `${backend}: 4 slow readers got ${received.map(mb).join(', ')}; server grew arrayBuffers ${mb(grown.arrayBuffers)}, heap ${mb(grown.heapUsed)}, rss ${mb(grown.rss)}`,
      );
      expect(during.connections).toBe(4);
      // Still mid-body: the measurement means something only while the server holds the rest.
      for (const n of received) expect(n).toBeLessThan(60 * MiB);
      // Whole-file buffering would be 4 x 100 MiB; zero-copy (MemFS) or backpressure (DiskFS) keeps it to a few MiB each.
      expect(grown.arrayBuffers).toBeLessThan(32 * MiB);
      expect(grown.heapUsed).toBeLessThan(32 * MiB);
      for (const s of readers) s.destroy();
      const after = await until(server.stats, (v) => v.connections === 0, 5_000);
      expect(after.connections).toBe(0);
      expect(after.errors).toEqual([]);
    });

    it('1,000 downloads aborted after their first chunk: descriptors and memory return to baseline', async () => {
      const names = ['/small.bin', '/medium.bin', '/mib.bin', '/eight.bin', '/huge.bin'];
      // Warm-up: every file downloaded once in full, so caches and lazy allocations are in the baseline.
      for (const n of names.slice(0, 4)) expect((await request(server.port, n)).status).toBe(200);
      const before = await server.stats();
      let aborted = 0;
      let completed = 0;
      const one = (i: number): Promise<void> =>
        new Promise((resolve) => {
          const s = connect(server.port, '127.0.0.1');
          const timer = setTimeout(() => s.destroy(), 10_000);
          s.on('data', () => {
            aborted++;
            s.destroy();
          });
          s.on('end', () => completed++);
          s.on('error', () => {});
          s.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
          s.write(`GET ${names[i % names.length]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        });
      const total = 1000;
      const parallel = 25;
      for (let i = 0; i < total; i += parallel) await Promise.all(Array.from({ length: parallel }, (_, j) => one(i + j)));
      expect(aborted).toBe(total);
      // Descriptors first, without a GC: a leaked FileHandle is closed by the collector, not by us.
      const settled = await until(server.statsNoGc, (v) => v.connections === 0 && v.fds <= before.fds, 10_000);
      expect(settled.connections).toBe(0);
      expect(settled.fds, 'open descriptors after the aborts, before any GC').toBe(before.fds);
      expect(server.stderr()).not.toMatch(/Closing file descriptor|FileHandle/);
      const after = await server.stats();
      console.log(
        `${backend}: ${total} aborted downloads; fds ${before.fds} -> ${settled.fds} (before GC) -> ${after.fds}; arrayBuffers ${mb(before.arrayBuffers)} -> ${mb(after.arrayBuffers)}; heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}`,
      );
      expect(after.connections).toBe(0);
      expect(after.fds).toBe(before.fds);
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * MiB);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
      expect(after.errors).toEqual([]);
      const r = await request(server.port, '/medium.bin');
      expect([r.status, r.body.length]).toEqual([200, 64 * 1024]);
    });
  });
}

describe('serverTimeouts', () => {
  it('sweeps ten times per shortest timeout, within [100 ms, 30 s], and keeps headers <= request', async () => {
    const { serverTimeouts } = await import('../src/server.js');
    expect(serverTimeouts(1000, 2000)).toEqual({ headersTimeout: 1000, requestTimeout: 2000, connectionsCheckingInterval: 100 });
    expect(serverTimeouts()).toEqual({ headersTimeout: 60_000, requestTimeout: 300_000, connectionsCheckingInterval: 6_000 });
    expect(serverTimeouts(undefined, 5000)).toEqual({ headersTimeout: 5000, requestTimeout: 5000, connectionsCheckingInterval: 500 });
    expect(serverTimeouts(400_000)).toMatchObject({ headersTimeout: 400_000, requestTimeout: 400_000, connectionsCheckingInterval: 30_000 });
    expect(() => serverTimeouts(5000, 1000)).toThrow(/headersTimeout/);
    expect(() => serverTimeouts(-1)).toThrow(TypeError);
  });
});

describe('a client that leaves while a chunk is being read', () => {
  it('the stream ends and the file is closed at once, not by a later GC', async () => {
    const { DiskFS } = await import('@hotfs/core');
    const { createHandler } = await import('../src/index.js');
    const { listen, close } = await import('./client.js');
    const disk = new DiskFS(dir);
    let opened = 0;
    let closed = 0;
    let reads = 0;
    let clientGone!: () => void;
    const gone = new Promise<void>((resolve) => (clientGone = resolve));
    let fileClosed!: () => void;
    const closedOnce = new Promise<void>((resolve) => (fileClosed = resolve));
    // The real DiskFS; only the second read is held until the client has gone, which is the
    // window a 1,000-abort run hits by chance.
    const timed = instrument(disk, {
      opened: () => opened++,
      read: async () => {
        if (++reads === 2) await gone;
      },
      closed: () => {
        closed++;
        fileClosed();
      },
    });
    const { server, port } = await listen(createHandler(timed));
    // The server's side of the connection: the read is released once the server has seen the client go.
    const serverSawClose = new Promise<void>((resolve) => server.once('connection', (s: Socket) => s.once('close', () => resolve())));
    try {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.once('data', () => socket.destroy());
      socket.write('GET /eight.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await serverSawClose;
      clientGone();
      // "At once": well before any GC would find the handle; 3 s is slack for a busy machine.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closedOnce, new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
      clearTimeout(timer);
      expect([opened, closed]).toEqual([1, 1]);
      expect(reads).toBe(2);
    } finally {
      await close(server);
    }
  });
});
