import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheFS, MemFS, type FileSystem } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { S3FS } from '@hotfs/s3';
import { startRelay, type Relay } from './support/proxy.js';
import { putObjects, startS3rver, type S3rver } from './support/s3rver.js';

/** One GET over a new connection: status and body. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

/** Status and body, or just the status when the body is an error page. */
const answer = async (port: number, path: string): Promise<string | number> => {
  const { status, body } = await get(port, path);
  return status === 200 ? body : status;
};

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) } };
}

const opened: { server: Server; fs: FileSystem[] }[] = [];

/** Serves `fs` (closing `also` with it at the end) on a real socket of 127.0.0.1. */
async function serve(fs: FileSystem, ...also: FileSystem[]): Promise<number> {
  const server = createServer(createHandler(fs));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  opened.push({ server, fs: [fs, ...also] });
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const { server, fs } of opened.splice(0)) {
    server.closeAllConnections();
    server.close();
    for (const one of fs) await one.close();
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('S3FS, CacheFS and MemFS over it, while s3rver is stopped and started again', () => {
  let s3: S3rver;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver();
    client = s3.client();
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.remove();
  });

  it('MemFS serves every file it had, direct answers 503, the cache serves what it holds (stale) and 503 for the rest, one log line per outage, and a change made meanwhile arrives', async () => {
    await putObjects(client, 'bucket', { 'a.txt': 'A1', 'b.txt': 'B1', 'dir/c.txt': 'C1' });
    const direct = await serve(new S3FS({ bucket: 'bucket', client }));
    const cacheLog = recorder();
    const cacheSource = new S3FS({ bucket: 'bucket', client });
    const cache = await serve(new CacheFS(cacheSource, { maxBytes: 1 << 20, maxAge: 200, logger: cacheLog.logger }), cacheSource);
    expect(await answer(direct, '/a.txt')).toBe('A1');
    expect(await answer(cache, '/a.txt')).toBe('A1');
    expect(await answer(cache, '/dir/c.txt')).toBe('C1');
    const memLog = recorder();
    const memSource = new S3FS({ bucket: 'bucket', client });
    const mem = await serve(await MemFS.mirror(memSource, { reconcileIntervalMs: 200, logger: memLog.logger }), memSource);

    await s3.stop();
    await sleep(300); // past maxAge: the cache asks the source again, and keeps what it has
    for (let round = 0; round < 3; round++) {
      expect(await answer(direct, '/a.txt')).toBe(503);
      expect(await answer(cache, '/a.txt')).toBe('A1');
      expect(await answer(cache, '/dir/c.txt')).toBe('C1');
      expect(await answer(cache, '/b.txt')).toBe(503);
      expect([await answer(mem, '/a.txt'), await answer(mem, '/b.txt'), await answer(mem, '/dir/c.txt')]).toEqual(['A1', 'B1', 'C1']);
      await sleep(250);
    }
    expect(memLog.lines).toEqual([
      expect.stringMatching(/^info hotfs: mirrored <S3FS>: 3 files/),
      expect.stringMatching(/^error hotfs: cannot read <S3FS>: .*ECONNREFUSED.*serving the last good state/),
    ]);
    expect(cacheLog.lines).toEqual([expect.stringMatching(/^warn CacheFS: the source is failing .*ECONNREFUSED/)]);

    // A change made while this server is down: another s3rver on the same data.
    const other = await startS3rver({ directory: s3.directory });
    const otherClient = other.client();
    await putObjects(otherClient, 'bucket', { 'a.txt': 'A2', 'd.txt': 'D' });
    await otherClient.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 'b.txt' }));
    otherClient.destroy();
    await other.remove();

    await s3.restart();
    await sleep(250);
    const caughtUp = performance.now();
    while ((await answer(mem, '/a.txt')) !== 'A2' && performance.now() - caughtUp < 1200) await sleep(20);
    for (const port of [direct, cache, mem]) {
      expect(await answer(port, '/a.txt')).toBe('A2');
      expect(await answer(port, '/d.txt')).toBe('D');
      expect(await answer(port, '/b.txt')).toBe(404);
    }
    expect(memLog.lines).toHaveLength(3);
    expect(memLog.lines[2]).toMatch(/^warn hotfs: <S3FS> answers again; the mirror has caught up/);
    expect(cacheLog.lines).toHaveLength(2);
    expect(cacheLog.lines[1]).toMatch(/^info CacheFS: the source answers again/);
  });
});

describe('no request hangs on a store that accepts and never answers', () => {
  let s3: S3rver;
  let relay: Relay;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver();
    const setup = s3.client();
    await putObjects(setup, 'bucket', { 'a.txt': 'A', 'b.txt': 'B' });
    setup.destroy();
    relay = await startRelay(s3.port);
    client = s3.client({ endpoint: relay.endpoint, maxAttempts: 3 });
  });
  afterAll(async () => {
    client?.destroy();
    await relay?.close();
    await s3?.remove();
  });

  it('every handler request ends within the timeout: 503, or the cached or mirrored bytes', async () => {
    const timeoutMs = 400;
    const direct = await serve(new S3FS({ bucket: 'bucket', client, timeoutMs }));
    const source = new S3FS({ bucket: 'bucket', client, timeoutMs });
    const cache = await serve(new CacheFS(source, { maxBytes: 1 << 20, maxAge: 100 }), source);
    expect(await answer(cache, '/a.txt')).toBe('A');
    const memSource = new S3FS({ bucket: 'bucket', client, timeoutMs });
    const mem = await serve(await MemFS.mirror(memSource, { reconcileIntervalMs: 100, logger: recorder().logger }), memSource);
    relay.blackHole = true;
    await sleep(150);
    const timed = async (port: number, path: string) => {
      const start = performance.now();
      const result = await answer(port, path);
      return { result, ms: performance.now() - start };
    };
    const results = await Promise.all([timed(direct, '/a.txt'), timed(direct, '/'), timed(cache, '/a.txt'), timed(cache, '/b.txt'), timed(mem, '/a.txt'), timed(mem, '/b.txt')]);
    expect(results.map((r) => r.result)).toEqual([503, 503, 'A', 503, 'A', 'B']);
    for (const { ms } of results) expect(ms).toBeLessThan(timeoutMs + 1000);
  });
});
