import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFsError, readFile } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { S3FS } from '@hotfs/s3';
import { startScriptedS3 } from './support/scripted-s3.js';
import { putObjects, startS3rver, type S3rver } from './support/s3rver.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  );

/** Resolves to the error and how long it took. */
async function timed(promise: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const start = performance.now();
  const err = await failure(promise);
  return { err, ms: performance.now() - start };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) } };
}

describe('S3FS when s3rver is down', () => {
  let s3: S3rver;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver();
    client = s3.client();
    await putObjects(client, 'bucket', { 'a.txt': 'hello s3', 'dir/b.txt': 'bee' });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.remove();
  });

  it('rejects stat, open, readdir and read with EIO at once, logs the outage once, and recovers on restart', async () => {
    const { lines, logger } = recorder();
    const fs = new S3FS({ bucket: 'bucket', client, logger });
    const file = await fs.open('/a.txt');
    await s3.stop();
    for (const attempt of [() => fs.stat('/a.txt'), () => fs.open('/a.txt'), () => fs.readdir('/dir'), () => file.read(new Uint8Array(4), 0)]) {
      const { err, ms } = await timed(attempt());
      expect(isFsError(err, 'EIO'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/S3 \w+ failed: .*ECONNREFUSED/);
      expect(ms).toBeLessThan(2000);
    }
    expect(lines).toEqual([expect.stringMatching(/^warn S3 bucket bucket is failing: EIO: S3 \w+ failed/)]);
    await s3.restart();
    expect(new TextDecoder().decode(await readFile(fs, '/a.txt'))).toBe('hello s3');
    expect(await file.read(new Uint8Array(5), 0)).toBe(5);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('info S3 bucket bucket answers again');
    await file.close();
    await fs.close();
  });

  it('serves through the node-http handler: 200, a Range 206, 404, and 503 while s3rver is down', async () => {
    const fs = new S3FS({ bucket: 'bucket', client });
    const server: Server = createHttpServer(createHandler(fs));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      expect(await get(port, '/a.txt')).toEqual({ status: 200, body: 'hello s3' });
      expect(await get(port, '/a.txt', { range: 'bytes=2-4' })).toEqual({ status: 206, body: 'llo' });
      expect((await get(port, '/missing.txt')).status).toBe(404);
      await s3.stop();
      expect((await get(port, '/a.txt')).status).toBe(503);
      await s3.restart();
      expect((await get(port, '/dir/b.txt')).status).toBe(200);
    } finally {
      server.close();
      await fs.close();
    }
  });
});

describe('S3FS against a server that accepts and never answers', () => {
  let server: ReturnType<typeof createTcpServer>;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createTcpServer((socket) => void sockets.add(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  it('rejects with EIO within its timeout, even with the SDK retrying', async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 3 });
    const fs = new S3FS({ bucket: 'bucket', client, timeoutMs: 300 });
    for (const attempt of [() => fs.stat('/a.txt'), () => fs.readdir('/'), () => readFile(fs, '/a.txt')]) {
      const { err, ms } = await timed(attempt());
      expect(isFsError(err, 'EIO'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/got no answer within 300 ms/);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(1500);
    }
    await fs.close();
    client.destroy();
  });
});

describe('S3FS error codes from the store', () => {
  it.each([
    [403, 'AccessDenied', 'EACCES'],
    [503, 'SlowDown', 'EIO'],
    [500, 'InternalError', 'EIO'],
    [404, 'NoSuchBucket', 'EIO'],
  ])('%i %s is %s', async (status, code, want) => {
    const s3 = await startScriptedS3({ 'a.txt': 'a' });
    s3.failWith = { status, code };
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      maxAttempts: 2,
      retryMode: 'standard',
    });
    const fs = new S3FS({ bucket: 'bucket', client });
    try {
      const err = await failure(fs.readdir('/'));
      expect(isFsError(err, want), String(err)).toBe(true);
      if (want === 'EIO') expect((err as Error).message).toContain(code === 'NoSuchBucket' ? 'the bucket does not exist' : `HTTP ${status} ${code}`);
    } finally {
      await fs.close();
      client.destroy();
      await s3.close();
    }
  });
});
