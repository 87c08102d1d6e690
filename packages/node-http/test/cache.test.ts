import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheFS, DiskFS, type File, type FileSystem } from '@hotfs/core';
import { createHandler } from '../src/index.js';
import { close, listen, request, type RawResponse } from './client.js';
import { instrument } from './instrument.js';

const BODY = 'cached over the wire\n'.repeat(50);

/** The cache with every file it hands out counted: bytes() is the in-memory path, read() the streaming one. */
function counted(cache: CacheFS, counts: { bytes: number; read: number }): FileSystem {
  const watch = (file: File): File => ({
    stat: () => file.stat(),
    readdir: () => file.readdir(),
    close: () => file.close(),
    read: (into, position) => {
      counts.read++;
      return file.read(into, position);
    },
    ...(file.bytes && {
      bytes: () => {
        counts.bytes++;
        return file.bytes!();
      },
    }),
  });
  return {
    open: async (p) => watch(await cache.open(p)),
    tryOpen: async (p) => {
      const file = await cache.tryOpen(p);
      return file && watch(file);
    },
    stat: (p) => cache.stat(p),
    readdir: (p) => cache.readdir(p),
    close: () => cache.close(),
  };
}

describe('CacheFS over DiskFS, served over HTTP', () => {
  let dir: string;
  const servers: Server[] = [];
  let disk: number;
  let cached: number;
  const source = { opened: 0, reads: 0 };
  const served = { bytes: 0, read: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotfs-cache-http-'));
    await writeFile(join(dir, 'page.txt'), BODY);
    await writeFile(join(dir, 'index.html'), '<p>home</p>');
    const origin = instrument(new DiskFS(dir), { opened: () => void source.opened++, read: () => void source.reads++ });
    const cache = new CacheFS(origin, { maxBytes: 1 << 20, maxAge: 60_000 });
    for (const fs of [new DiskFS(dir), counted(cache, served)]) {
      const { server, port } = await listen(createHandler(fs));
      servers.push(server);
      if (fs instanceof DiskFS) disk = port;
      else cached = port;
    }
  });
  afterAll(async () => {
    for (const server of servers) await close(server);
    await rm(dir, { recursive: true, force: true });
  });

  const shape = (r: RawResponse) => ({
    status: r.status,
    body: r.body.toString(),
    type: r.headers['content-type'],
    length: r.headers['content-length'],
    range: r.headers['content-range'],
    modified: r.headers['last-modified'],
  });

  it('answers 200, 206 and 304 as DiskFS does, and answers warm requests from memory without the source', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/page.txt', {}],
      ['/page.txt', { range: 'bytes=5-24' }],
      ['/page.txt', { range: 'bytes=-10' }],
      ['/', {}],
      ['/missing.txt', {}],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [path, headers] of cases) {
        const [want, got] = [await request(disk, path, headers), await request(cached, path, headers)];
        expect(shape(got), `${path} ${JSON.stringify(headers)}`).toEqual(shape(want));
      }
    }
    const first = await request(cached, '/page.txt');
    expect(first.status).toBe(200);
    const tag = first.headers['etag']!;
    expect(tag).toMatch(/"/);
    expect((await request(cached, '/page.txt', { 'if-none-match': tag })).status).toBe(304);
    expect((await request(cached, '/page.txt', { 'if-modified-since': first.headers['last-modified']! })).status).toBe(304);
    // Cold only: page.txt and index.html opened and read once, the root directory opened once.
    expect(source).toEqual({ opened: 3, reads: 2 });
    // Every body came from the held buffer: the handler's in-memory path, never a read through the cache.
    expect(served.read).toBe(0);
    expect(served.bytes).toBeGreaterThan(0);
  });
});
