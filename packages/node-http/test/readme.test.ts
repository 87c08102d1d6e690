import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, readRange, tryOpen } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createHandler } from '@hotfs/node-http';
import { contentTypeByName, evaluatePreconditions, formatHttpDate, parseRange } from '@hotfs/node-http/protocol';
import { close, listen, request } from './client.js';

// The README's own handler with the protocol subpath, verbatim apart from the root and listen().
function readmeHandler(root: string) {
  const fs = new DiskFS(root);
  const files = createHandler(fs);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost'); // the URL parser resolves dot segments
    if (!url.pathname.startsWith('/download/')) return files(req, res);
    let file;
    try {
      file = await tryOpen(fs, decodeURIComponent(url.pathname.slice(9))); // cleaned by the backend: never above its root
    } catch {
      return void res.writeHead(400).end(); // a bad escape or a NUL byte
    }
    if (!file) return void res.writeHead(404).end();
    try {
      const info = await file.stat();
      if (info.isDirectory) return void res.writeHead(404).end();
      const etag = `"${info.size}-${info.mtimeMs}"`;
      const h = req.headers;
      const { outcome, useRange } = evaluatePreconditions(
        {
          ifMatch: h['if-match'],
          ifNoneMatch: h['if-none-match'],
          ifModifiedSince: h['if-modified-since'],
          ifUnmodifiedSince: h['if-unmodified-since'],
          ifRange: h['if-range'] as string | undefined,
        },
        { etag, mtimeMs: info.mtimeMs },
        true,
      );
      if (outcome !== 'ok') return void res.writeHead(outcome === 'failed' ? 412 : 304, { ETag: etag }).end();
      const ranges = useRange ? parseRange(h.range, info.size) : undefined;
      if (ranges === 'invalid' || ranges === 'unsatisfiable') return void res.writeHead(416, { 'Content-Range': `bytes */${info.size}` }).end();
      const range = ranges?.length === 1 ? ranges[0] : undefined; // several ranges: the whole file
      const [start, end] = range ? [range.start, range.end + 1] : [0, info.size];
      res.writeHead(range ? 206 : 200, {
        'Content-Type': contentTypeByName(info.name) ?? 'application/octet-stream',
        'Content-Disposition': 'attachment',
        'Content-Length': end - start,
        ...(range ? { 'Content-Range': `bytes ${start}-${end - 1}/${info.size}` } : {}),
        'Last-Modified': formatHttpDate(info.mtimeMs),
        ETag: etag,
      });
      res.end(await readRange(file, start, end)); // zero-copy when the backend has bytes()
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    } finally {
      await file.close();
    }
  };
}

describe('README handler on @hotfs/node-http/protocol', () => {
  let fixture: Fixture;
  let port = 0;
  let server: Awaited<ReturnType<typeof listen>>['server'];
  beforeAll(async () => {
    fixture = await createFixture();
    const handler = readmeHandler(fixture.root);
    ({ server, port } = await listen((req, res) => void handler(req, res)));
  });
  afterAll(async () => {
    await close(server);
    await fixture.remove();
  });

  it('sends an attachment with its validators, and falls back to the file server', async () => {
    const r = await request(port, '/download/with%20space.txt');
    expect([r.status, r.headers['content-type'], r.headers['content-disposition'], r.body.toString()]).toEqual([200, 'text/plain; charset=utf-8', 'attachment', 'spaces\n']);
    expect(r.headers['etag']).toMatch(/^"7-\d+"$/);
    expect(Date.parse(r.headers['last-modified']!)).toBeGreaterThan(0);
    expect((await request(port, '/download/large.bin')).headers['content-type']).toBe('application/octet-stream');
    expect((await request(port, '/hello.txt')).headers['content-disposition']).toBeUndefined();
  });

  it('answers conditional requests and a single range', async () => {
    const { headers } = await request(port, '/download/with%20space.txt');
    const etag = headers['etag']!;
    expect((await request(port, '/download/with%20space.txt', { 'if-none-match': etag })).status).toBe(304);
    expect((await request(port, '/download/with%20space.txt', { 'if-modified-since': headers['last-modified']! })).status).toBe(304);
    expect((await request(port, '/download/with%20space.txt', { 'if-match': '"other"' })).status).toBe(412);
    const part = await request(port, '/download/with%20space.txt', { range: 'bytes=1-3' });
    expect([part.status, part.headers['content-range'], part.body.toString()]).toEqual([206, 'bytes 1-3/7', 'pac']);
    const stale = await request(port, '/download/with%20space.txt', { range: 'bytes=1-3', 'if-range': '"other"' });
    expect([stale.status, stale.body.toString()]).toEqual([200, 'spaces\n']);
    expect((await request(port, '/download/with%20space.txt', { range: 'bytes=0-0,2-2' })).status).toBe(200);
    const none = await request(port, '/download/with%20space.txt', { range: 'bytes=100-' });
    expect([none.status, none.headers['content-range']]).toEqual([416, 'bytes */7']);
  });

  it('404s, 400s, and never serves from above the root', async () => {
    expect((await request(port, '/download/nope')).status).toBe(404);
    expect((await request(port, '/download/docs')).status).toBe(404);
    expect((await request(port, '/download/%zz')).status).toBe(400);
    expect((await request(port, '/download/a%00b')).status).toBe(400);
    const climb = await request(port, '/download/..%2f..%2fsecret.txt');
    expect(climb.body.toString()).not.toContain('TOP-SECRET');
    expect(climb.body.toString()).toContain('the root has its own secret.txt');
  });
});
