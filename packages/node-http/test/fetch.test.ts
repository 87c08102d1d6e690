import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, FsError, isFsError, type File, type FileSystem } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createFetchHandler, type FetchHandler } from '../src/index.js';

describe('fetch adapter (Request -> Response) over DiskFS', () => {
  let fixture: Fixture;
  let handle: FetchHandler;
  const base = 'http://hotfs.test/static';
  beforeAll(async () => {
    fixture = await createFixture();
    handle = createFetchHandler(new DiskFS(fixture.root), { prefix: '/static/' });
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('serves files, ranges and multipart by streaming from the backend', async () => {
    let r = await handle(new Request(`${base}/hello.txt`));
    expect([r.status, r.headers.get('content-type'), await r.text()]).toEqual([200, 'text/plain; charset=utf-8', 'Hello, hotfs!\n']);
    const large = await readFile(join(fixture.root, 'large.bin'));
    r = await handle(new Request(`${base}/large.bin`));
    expect(Buffer.from(await r.arrayBuffer()).equals(large)).toBe(true);
    r = await handle(new Request(`${base}/large.bin`, { headers: { range: 'bytes=1048570-1048585' } }));
    expect(r.status).toBe(206);
    expect(Buffer.from(await r.arrayBuffer()).equals(large.subarray(1048570, 1048586))).toBe(true);
    r = await handle(new Request(`${base}/hello.txt`, { headers: { range: 'bytes=0-1,3-4' } }));
    const text = await r.text();
    expect(text.length).toBe(Number(r.headers.get('content-length')));
    expect(text).toContain('\r\n\r\nHe\r\n');
  });

  it('answers conditionals, HEAD, redirects, listings and errors like the Node handler', async () => {
    const first = await handle(new Request(`${base}/hello.txt`));
    const etag = first.headers.get('etag')!;
    expect((await handle(new Request(`${base}/hello.txt`, { headers: { 'if-none-match': etag } }))).status).toBe(304);
    const head = await handle(new Request(`${base}/hello.txt`, { method: 'HEAD' }));
    expect([head.status, head.headers.get('content-length'), head.body]).toEqual([200, '14', null]);
    const redirect = await handle(new Request(`${base}/docs?x=1`));
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, 'docs/?x=1']);
    const listing = await handle(new Request(`${base}/docs/guide/`, { headers: { accept: 'application/json' } }));
    expect(((await listing.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name)).toEqual(['deep.md', 'more']);
    expect((await handle(new Request(`${base}/nope`))).status).toBe(404);
    expect((await handle(new Request(`${base}/hello.txt`, { method: 'POST', body: 'x' }))).status).toBe(405);
    const outside = await handle(new Request(`${base}/%2e%2e/%2e%2e/secret.txt`));
    expect(await outside.text()).not.toContain('TOP-SECRET');
  });
});

describe('fetch adapter: a file that fails after it was opened', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(async () => {
    await fixture.remove();
  });

  // A real DiskFS with something done to each file between its open and the response.
  function after(opened: (file: File, path: string) => Promise<void>): FileSystem {
    const disk = new DiskFS(fixture.root);
    return {
      open: async (path) => {
        const file = await disk.open(path);
        await opened(file, path);
        return file;
      },
      stat: (path) => disk.stat(path),
      readdir: (path) => disk.readdir(path),
      close: () => disk.close(),
    };
  }

  it('answers 500 (never a body shorter than its Content-Length) when the file shrank', async () => {
    const handle = createFetchHandler(after((_file, path) => truncate(join(fixture.root, path), 3)));
    await writeFile(join(fixture.root, 'shrinks.txt'), 'twelve bytes');
    const r = await handle(new Request('http://hotfs.test/shrinks.txt'));
    expect(r.status).toBe(500);
    expect((await r.text()).length).toBe(Number(r.headers.get('content-length')));
  });

  it('answers 500, logs why and releases the file when its bytes cannot be read', async () => {
    const disk = new DiskFS(fixture.root);
    let closed = 0;
    // A backend whose in-memory read fails after the open (a device error on the page-in): the
    // handler has planned a 200 from the file's info by then.
    const failing: FileSystem = {
      open: async (path) => {
        const file = await disk.open(path);
        return {
          stat: () => file.stat(),
          read: (into, position) => file.read(into, position),
          readdir: () => file.readdir(),
          close: async () => {
            closed++;
            await file.close();
          },
          bytes: () => {
            throw new FsError('EIO', path);
          },
        };
      },
      stat: (path) => disk.stat(path),
      readdir: (path) => disk.readdir(path),
      close: () => disk.close(),
    };
    const errors: unknown[] = [];
    const handle = createFetchHandler(failing, { logger: (entry) => errors.push(entry.error) });
    const r = await handle(new Request('http://hotfs.test/hello.txt'));
    expect(r.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(isFsError(errors[0], 'EIO')).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(1);
  });
});
