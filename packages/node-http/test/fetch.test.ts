import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS } from '@hotfs/core';
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
