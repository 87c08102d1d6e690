// The SPA fallback (option `single`): the pure Accept and route checks, then real sockets over every
// backend and the fetch adapter.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';
import { createFetchHandler, createHandler, type HandlerOptions } from '../src/index.js';
import { acceptsHtml, isRoute, resolveSingle } from '../src/spa.js';
import { backends } from './backends.js';
import { close, listen, request } from './client.js';

const INDEX = '<!doctype html><title>app</title>\n';
const SHELL = '<!doctype html><title>other shell</title>\n';

async function site(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hotfs-spa-'));
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'shell.html'), SHELL);
  await writeFile(join(root, 'app.js'), 'console.log(1);\n');
  await mkdir(join(root, 'docs'));
  await writeFile(join(root, 'docs', 'readme.txt'), 'docs\n');
  await mkdir(join(root, '.git'));
  await writeFile(join(root, '.git', 'config'), '[core]\n');
  return root;
}

describe('acceptsHtml', () => {
  it('allows what a browser navigating, curl and a bare client send', () => {
    for (const yes of [
      undefined,
      '*/*',
      'text/*',
      'text/html',
      'TEXT/HTML',
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'application/json, text/html;q=0.1',
      'text/html;level=1;q=0.5',
      'text/html; q=1.000',
      'application/json;q=1, */*;q=0.001',
      'text/html;q=abc, */*',
    ]) {
      expect(acceptsHtml(yes), String(yes)).toBe(true);
    }
  });

  it('refuses data requests, q=0 and garbage; the most specific range decides', () => {
    for (const no of [
      'application/json',
      'image/*',
      'text/plain',
      'text/html;q=0',
      'text/html;q=0.000',
      'text/html;q=0, */*',
      'text/html;q=0, text/*',
      'text/*;q=0, */*',
      'text/html;q=2',
      'text/html;q=abc',
      'text/html;q=0.0001',
      '',
      ',,,',
      'html',
      'x'.repeat(10_000),
    ]) {
      expect(acceptsHtml(no), no.slice(0, 40)).toBe(false);
    }
  });
});

describe('acceptsHtml on any input', () => {
  it('answers a boolean for any header, and agrees with appending a range that allows nothing', () => {
    const accept = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(
          fc.tuple(
            fc.constantFrom('text/html', 'text/*', '*/*', 'application/json', 'TEXT/HTML', 'x'),
            fc.constantFrom('', ';q=0', ';q=0.5', ';q=1', ';q=2', ';q=abc', ';level=1'),
          ),
          { maxLength: 6 },
        )
        .map((list) => list.map(([t, p]) => t + p).join(', ')),
    );
    fc.assert(
      fc.property(accept, (header) => {
        const allowed = acceptsHtml(header);
        expect(typeof allowed).toBe('boolean');
        expect(acceptsHtml(`${header}, application/json`)).toBe(allowed);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isRoute and option single', () => {
  it('is a route when the last segment has no dot', () => {
    expect(['/users/42', '/users/', '/', '/v1.2/page', '/a.b/c'].map(isRoute)).toEqual([true, true, true, true, true]);
    expect(['/app.js', '/x/y.css', '/.well-known', '/users/42.json', '/a.'].map(isRoute)).toEqual([false, false, false, false, false]);
  });

  it('validates the fallback path', () => {
    expect([true, false, undefined, '/app.html', '/sub/shell.html'].map((s) => resolveSingle(s, false))).toEqual([
      '/index.html',
      undefined,
      undefined,
      '/app.html',
      '/sub/shell.html',
    ]);
    expect(resolveSingle('/.app/index.html', true)).toBe('/.app/index.html');
    for (const [bad, message] of [
      ['app.html', "must start with '/'"],
      ['/app/', 'must name a file'],
      ['/a//b.html', 'must be a clean path'],
      ['/a/../b.html', 'must be a clean path'],
      ['/a\0.html', 'must be a clean path'],
      ['/.app/index.html', 'names a dotfile'],
      [1, 'must be a boolean or'],
    ] as const) {
      expect(() => resolveSingle(bad, false), String(bad)).toThrow(TypeError);
      expect(() => resolveSingle(bad, false), String(bad)).toThrow(`option 'single' ${message}`);
    }
    expect(() => createHandler(new DiskFS(tmpdir()), { single: '' })).toThrow(/option 'single' must start with/);
  });
});

for (const backend of backends) {
  describe(`SPA fallback over ${backend.name}`, () => {
    let root: string;
    let fs: FileSystem;
    const servers: Server[] = [];

    async function serve(options: HandlerOptions): Promise<(target: string, headers?: Record<string, string>, method?: string) => ReturnType<typeof request>> {
      const s = await listen(createHandler(fs, options));
      servers.push(s.server);
      return (target, headers = {}, method = 'GET') => request(s.port, target, headers, method);
    }

    beforeAll(async () => {
      root = await site();
      fs = await backend.make(root);
    });
    afterAll(async () => {
      await Promise.all(servers.map(close));
      await fs?.close();
      await rm(root, { recursive: true, force: true });
    });

    it('answers a missing route with the fallback file, 200, and its own validators', async () => {
      const get = await serve({ single: true });
      const page = await get('/users/42', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      expect([page.status, page.headers['content-type'], page.body.toString()]).toEqual([200, 'text/html; charset=utf-8', INDEX]);
      const direct = await get('/');
      expect(direct.status).toBe(200);
      expect(page.headers['etag']).toBe(direct.headers['etag']);
      expect(page.headers['last-modified']).toBe(direct.headers['last-modified']);
      for (const path of ['/users/', '/v1.2/page', '/docs/missing/deeper', '/app.js/route']) {
        const r = await get(path);
        expect([path, r.status, r.body.toString()]).toEqual([path, 200, INDEX]);
      }
    });

    it('lets conditional requests, ranges and HEAD work on the fallback', async () => {
      const get = await serve({ single: true });
      const etag = (await get('/users/42')).headers['etag']!;
      expect((await get('/users/42', { 'if-none-match': etag })).status).toBe(304);
      const part = await get('/users/42', { range: 'bytes=2-8' });
      expect([part.status, part.headers['content-range'], part.body.toString()]).toEqual([206, `bytes 2-8/${INDEX.length}`, INDEX.slice(2, 9)]);
      const head = await get('/users/42', {}, 'HEAD');
      expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(INDEX.length), 0]);
    });

    it('keeps 404 for assets, data requests, dotfiles, directories without an index, and outside the prefix', async () => {
      const get = await serve({ single: true, listing: false });
      for (const [path, accept] of [
        ['/missing.js', 'text/html'],
        ['/users/42.json', '*/*'],
        ['/users/42', 'application/json'],
        ['/users/42', 'text/html;q=0, */*'],
        ['/users/42', ''],
        ['/.git/route', 'text/html'],
        ['/.secret', 'text/html'],
        ['/docs/', 'text/html'],
      ] as const) {
        const r = await get(path, { accept });
        expect([path, accept, r.status, r.body.toString()]).toEqual([path, accept, 404, '404 page not found\n']);
      }
      // Existing things keep their own answers.
      expect((await get('/docs')).status).toBe(301);
      expect((await get('/app.js')).body.toString()).toBe('console.log(1);\n');
      expect((await get('/users/42', {}, 'POST')).status).toBe(405);
      const prefixed = await serve({ single: true, prefix: '/app/' });
      expect((await prefixed('/app/users/42')).body.toString()).toBe(INDEX);
      expect((await prefixed('/elsewhere/42')).status).toBe(404);
    });

    it('serves another fallback file; a missing one, or a directory, is a 404', async () => {
      expect((await (await serve({ single: '/shell.html' }))('/users/42')).body.toString()).toBe(SHELL);
      expect((await (await serve({ single: '/nope.html' }))('/users/42')).status).toBe(404);
      expect((await (await serve({ single: '/docs' }))('/users/42')).status).toBe(404);
      // Off by default.
      expect((await (await serve({}))('/users/42')).status).toBe(404);
    });
  });
}

describe('SPA fallback through the fetch adapter', () => {
  let root: string;
  beforeAll(async () => {
    root = await site();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('answers like the Node handler over DiskFS and MemFS', async () => {
    const mem = await MemFS.mirror(root);
    try {
      for (const fs of [new DiskFS(root), mem]) {
        const handle = createFetchHandler(fs, { single: true, prefix: '/app/' });
        const page = await handle(new Request('http://hotfs.test/app/users/42', { headers: { accept: 'text/html' } }));
        expect([page.status, await page.text()]).toEqual([200, INDEX]);
        const etag = page.headers.get('etag')!;
        expect((await handle(new Request('http://hotfs.test/app/users/42', { headers: { 'if-none-match': etag } }))).status).toBe(304);
        expect((await handle(new Request('http://hotfs.test/app/users/42', { method: 'HEAD' }))).status).toBe(200);
        expect((await handle(new Request('http://hotfs.test/app/users/42', { headers: { accept: 'application/json' } }))).status).toBe(404);
        expect((await handle(new Request('http://hotfs.test/app/missing.js'))).status).toBe(404);
      }
    } finally {
      await mem.close();
    }
  });
});
