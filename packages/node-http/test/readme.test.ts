import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, readAll, tryOpen } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createHandler, decodeTarget } from '../src/index.js';
import { close, listen, request } from './client.js';

// The README's custom handler, verbatim apart from the root and listen().
function readmeHandler(root: string) {
  const fs = new DiskFS(root);
  const files = createHandler(fs);
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/raw/')) return files(req, res);
    const target = decodeTarget(req.url.slice(4)); // decodes once; undefined means 400
    if (!target) return void res.writeHead(400).end();
    try {
      const file = await tryOpen(fs, target.path); // a miss is undefined, not an Error
      if (!file) return void res.writeHead(404).end();
      try {
        if ((await file.stat()).isDirectory) return void res.writeHead(404).end();
        const bytes = await readAll(file); // zero-copy when the backend has bytes()
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length }).end(bytes);
      } finally {
        await file.close();
      }
    } catch {
      res.writeHead(500).end();
    }
  };
}

describe('README custom handler', () => {
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

  it('serves raw bytes, 404s and 400s, and falls back to the file server', async () => {
    const raw = await request(port, '/raw/with%20space.txt');
    expect([raw.status, raw.headers['content-type'], raw.body.toString()]).toEqual([200, 'application/octet-stream', 'spaces\n']);
    expect((await request(port, '/raw/nope')).status).toBe(404);
    expect((await request(port, '/raw/docs')).status).toBe(404);
    expect((await request(port, '/raw/%zz')).status).toBe(400);
    expect((await request(port, '/hello.txt')).headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});
