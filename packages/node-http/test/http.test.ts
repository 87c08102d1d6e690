import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileSystem } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createHandler, type HandlerOptions, type RequestLog } from '../src/index.js';
import { untilValidatorsStrong } from '../../../test-support/settle.mjs';
import { backends } from './backends.js';
import { close, listen, request, type RawResponse } from './client.js';

const SUBSECOND = Date.UTC(2024, 4, 6, 7, 8, 9) + 750;

// Extra files next to the standard fixture: no extension, archives, dotfiles, odd directory names.
async function extend(root: string): Promise<void> {
  await writeFile(join(root, 'README'), 'plain text without an extension\n');
  await writeFile(join(root, 'blob'), Buffer.from([0, 1, 2, 3, 255, 254]));
  await writeFile(join(root, 'archive.tar.gz'), gzipSync('tarball'));
  await writeFile(join(root, '.hidden'), 'dotfile\n');
  await mkdir(join(root, '.git'));
  await writeFile(join(root, '.git', 'config'), '[core]\n');
  await mkdir(join(root, 'a #?'));
  await writeFile(join(root, 'a #?', 'inside.txt'), 'inside odd dir\n');
  await mkdir(join(root, 'c:d'));
  await writeFile(join(root, 'epoch.txt'), 'epoch\n');
  await utimes(join(root, 'epoch.txt'), 0, 0);
  await writeFile(join(root, 'subsecond.txt'), 'sub\n');
  await utimes(join(root, 'subsecond.txt'), SUBSECOND / 1000, SUBSECOND / 1000);
}

function withoutDate(r: RawResponse): Record<string, string> {
  const { date: _date, ...rest } = r.headers;
  return rest;
}

/** Splits a multipart/byteranges body into its parts. */
function parts(r: RawResponse): Array<{ range: string; type: string; body: Buffer }> {
  const boundary = /boundary=(\S+)/.exec(r.headers['content-type']!)![1]!;
  const out = [];
  const text = r.body.toString('latin1');
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const [head, ...rest] = chunk.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    out.push({ range: /Content-Range: (.*)/.exec(head!)![1]!.trim(), type: /Content-Type: (.*)/.exec(head!)![1]!.trim(), body: Buffer.from(body, 'latin1') });
  }
  return out;
}

for (const backend of backends) {
  describe(`HTTP over ${backend.name}`, () => {
    let fixture: Fixture;
    let fs: FileSystem;
    const servers: Server[] = [];
    let port = 0;
    const logs: RequestLog[] = [];

    async function serverWith(options: HandlerOptions, wrap?: (h: ReturnType<typeof createHandler>) => Parameters<typeof listen>[0]): Promise<number> {
      const handler = createHandler(fs, options);
      const s = await listen(wrap ? wrap(handler) : handler);
      servers.push(s.server);
      return s.port;
    }

    beforeAll(async () => {
      fixture = await createFixture();
      await extend(fixture.root);
      // Strong ETags and dates, as a file untouched for a second has (the tests below expect them).
      await untilValidatorsStrong(Date.now());
      fs = await backend.make(fixture.root);
      port = await serverWith({ logger: (e) => logs.push(e) });
    });
    afterAll(async () => {
      await Promise.all(servers.map(close));
      await fs?.close();
      await fixture?.remove();
    });

    const get = (target: string, headers: Record<string, string> = {}, method = 'GET') => request(port, target, headers, method);
    const file = (name: string) => readFile(join(fixture.root, name));

    describe('files', () => {
      it('serves a file with Go headers plus ETag and nosniff', async () => {
        const r = await get('/hello.txt');
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe('Hello, hotfs!\n');
        expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(r.headers['content-length']).toBe('14');
        expect(r.headers['accept-ranges']).toBe('bytes');
        expect(r.headers['x-content-type-options']).toBe('nosniff');
        expect(r.headers['etag']).toMatch(/^"[^"]+"$/);
        expect(new Date(r.headers['last-modified']!).getTime()).toBeGreaterThan(0);
        expect(r.headers['content-encoding']).toBeUndefined();
      });

      it('HEAD sends exactly the GET headers and no body', async () => {
        for (const [target, headers] of [
          ['/hello.txt', {}],
          ['/large.bin', { range: 'bytes=0-9,20-29' }],
          ['/README', {}],
          ['/docs/', {}],
          ['/empty-dir/', { accept: 'application/json' }],
          ['/nope', {}],
        ] as const) {
          const g = await get(target, headers);
          const h = await get(target, headers, 'HEAD');
          expect(h.status, target).toBe(g.status);
          expect(h.body.length, target).toBe(0);
          expect(withoutDate(h), target).toEqual(withoutDate(g));
        }
      });

      it('serves names with spaces, unicode, % and # ? when escaped', async () => {
        expect((await get('/with%20space.txt')).body.toString()).toBe('spaces\n');
        expect((await get('/%C3%BCn%C3%AF%C3%A7%C3%B8d%C3%A9%20%E2%82%AC.txt')).status).toBe(404); // ç is not in the name
        expect((await get(`/${encodeURIComponent('ünïcødé €.txt')}`)).body.toString()).toBe('unicode\n');
        expect((await get('/100%25.txt')).body.toString()).toBe('percent\n');
        expect((await get('/a%23b%3Fc.txt')).body.toString()).toBe('hash and question mark\n');
        expect((await get('/a#b?c.txt')).status).toBe(404);
      });

      it('streams large files intact and serves empty files', async () => {
        const r = await get('/large.bin');
        expect(r.status).toBe(200);
        expect(r.body.equals(await file('large.bin'))).toBe(true);
        expect(r.headers['content-type']).toBe('application/octet-stream');
        const e = await get('/empty.txt');
        expect([e.status, e.headers['content-length'], e.body.length]).toEqual([200, '0', 0]);
      });

      it('sniffs files without a known extension', async () => {
        expect((await get('/README')).headers['content-type']).toBe('text/plain; charset=utf-8');
        expect((await get('/blob')).headers['content-type']).toBe('application/octet-stream');
      });

      it('serves .tar.gz as application/gzip, never as a Content-Encoding', async () => {
        const r = await get('/archive.tar.gz', { 'accept-encoding': 'gzip' });
        expect(r.headers['content-type']).toBe('application/gzip');
        expect(r.headers['content-encoding']).toBeUndefined();
        expect(r.body.equals(await file('archive.tar.gz'))).toBe(true);
      });

      it('sends no Last-Modified for an epoch mtime', async () => {
        const r = await get('/epoch.txt');
        expect(r.status).toBe(200);
        expect(r.headers['last-modified']).toBeUndefined();
        expect(r.headers['etag']).toBeDefined();
        expect((await get('/epoch.txt', { 'if-modified-since': 'Sun, 06 Nov 2050 08:49:37 GMT' })).status).toBe(200);
      });

      it('answers other methods with 405 and Allow', async () => {
        for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
          const r = await get('/hello.txt', {}, method);
          expect(r.status, method).toBe(405);
          expect(r.headers['allow']).toBe('GET, HEAD');
        }
      });
    });

    describe('ranges', () => {
      it('serves a single, an open-ended and a suffix range', async () => {
        const large = await file('large.bin');
        const size = large.length;
        let r = await get('/large.bin', { range: 'bytes=1048570-1048585' });
        expect(r.status).toBe(206);
        expect(r.headers['content-range']).toBe(`bytes 1048570-1048585/${size}`);
        expect(r.headers['content-length']).toBe('16');
        expect(r.body.equals(large.subarray(1048570, 1048586))).toBe(true);
        r = await get('/large.bin', { range: `bytes=${size - 3}-` });
        expect(r.body.equals(large.subarray(size - 3))).toBe(true);
        r = await get('/hello.txt', { range: 'bytes=-6' });
        expect([r.status, r.body.toString(), r.headers['content-range']]).toEqual([206, 'hotfs!\n'.slice(-6), 'bytes 8-13/14']);
        r = await get('/hello.txt', { range: 'bytes=-1000' });
        expect([r.status, r.body.toString(), r.headers['content-range']]).toEqual([206, 'Hello, hotfs!\n', 'bytes 0-13/14']);
        r = await get('/hello.txt', { range: 'bytes=0-' });
        expect([r.status, r.headers['content-range']]).toEqual([206, 'bytes 0-13/14']);
      });

      it('serves several ranges as multipart/byteranges with an exact length', async () => {
        const medium = await file('medium.bin');
        const r = await get('/medium.bin', { range: 'bytes=0-9, 100-199, -5' });
        expect(r.status).toBe(206);
        expect(r.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
        expect(Number(r.headers['content-length'])).toBe(r.body.length);
        const p = parts(r);
        expect(p.map((x) => x.range)).toEqual([`bytes 0-9/${medium.length}`, `bytes 100-199/${medium.length}`, `bytes ${medium.length - 5}-${medium.length - 1}/${medium.length}`]);
        expect(p.every((x) => x.type === 'application/octet-stream')).toBe(true);
        expect(p[1]!.body.equals(medium.subarray(100, 200))).toBe(true);
        expect(p[2]!.body.equals(medium.subarray(medium.length - 5))).toBe(true);
      });

      it('answers 416 with Content-Range when nothing is satisfiable or the range is malformed', async () => {
        for (const range of ['bytes=14-', 'bytes=100-200', 'bytes=-0', 'bytes=10-5', 'bytes=x-y']) {
          const r = await get('/hello.txt', { range });
          expect(r.status, range).toBe(416);
          expect(r.headers['content-range'], range).toBe('bytes */14');
          expect(r.body.toString()).not.toContain('Hello');
        }
      });

      it('serves the whole file when ranges add up to more than it (Go abuse guard)', async () => {
        const r = await get('/hello.txt', { range: 'bytes=0-13,0-13' });
        expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
      });

      it('survives ends beyond 2^53 and reversed ranges', async () => {
        let r = await get('/hello.txt', { range: 'bytes=0-99999999999999999999999999' });
        expect([r.status, r.body.toString()]).toEqual([206, 'Hello, hotfs!\n']);
        r = await get('/hello.txt', { range: 'bytes=99999999999999999999999-' });
        expect(r.status).toBe(416);
        r = await get('/hello.txt', { range: 'bytes=99999999999999999999-5' });
        expect(r.status).toBe(416);
        expect((await get('/hello.txt')).status).toBe(200);
      });

      it('ignores Range on empty files, directories and for other units', async () => {
        let r = await get('/empty.txt', { range: 'bytes=0-10' });
        expect([r.status, r.body.length]).toEqual([200, 0]);
        r = await get('/docs/guide/', { range: 'bytes=0-10' });
        expect(r.status).toBe(200);
        expect(r.headers['content-range']).toBeUndefined();
        r = await get('/hello.txt', { range: 'items=0-1' });
        expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
      });
    });

    describe('conditional requests', () => {
      it('If-None-Match gives 304 stripped like Go writeNotModified', async () => {
        const { headers } = await get('/hello.txt');
        for (const inm of [headers['etag']!, `W/${headers['etag']}`, `"x", ${headers['etag']}`, '*']) {
          const r = await get('/hello.txt', { 'if-none-match': inm });
          expect(r.status, inm).toBe(304);
          expect(r.body.length).toBe(0);
          expect(r.headers['etag']).toBe(headers['etag']);
          for (const h of ['content-type', 'content-length', 'content-encoding', 'last-modified']) expect(r.headers[h], h).toBeUndefined();
        }
        expect((await get('/hello.txt', { 'if-none-match': '"other"' })).status).toBe(200);
      });

      it('If-Modified-Since at one-second resolution, in all three date formats', async () => {
        const floor = new Date(SUBSECOND - (SUBSECOND % 1000));
        const imf = floor.toUTCString();
        expect((await get('/subsecond.txt')).headers['last-modified']).toBe(imf);
        const [wd, d, mon, y, time] = imf.replace(',', '').split(' ');
        const long = { Sun: 'Sunday', Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday' }[wd!];
        const rfc850 = `${long}, ${d}-${mon}-${y!.slice(2)} ${time} GMT`;
        const asctime = `${wd} ${mon} ${String(Number(d)).padStart(2, ' ')} ${time} ${y}`;
        for (const ims of [imf, rfc850, asctime]) expect((await get('/subsecond.txt', { 'if-modified-since': ims })).status, ims).toBe(304);
        expect((await get('/subsecond.txt', { 'if-modified-since': new Date(floor.getTime() - 1000).toUTCString() })).status).toBe(200);
        expect((await get('/subsecond.txt', { 'if-modified-since': 'not a date' })).status).toBe(200);
      });

      it('If-Match and If-Unmodified-Since fail with 412', async () => {
        const { headers } = await get('/subsecond.txt');
        let r = await get('/subsecond.txt', { 'if-match': '"nope"' });
        expect([r.status, r.body.length, r.headers['etag']]).toEqual([412, 0, headers['etag']]);
        expect((await get('/subsecond.txt', { 'if-match': headers['etag']! })).status).toBe(200);
        r = await get('/subsecond.txt', { 'if-unmodified-since': new Date(SUBSECOND - 1000).toUTCString() });
        expect(r.status).toBe(412);
        expect((await get('/subsecond.txt', { 'if-unmodified-since': headers['last-modified']! })).status).toBe(200);
      });

      it('If-Range: a strong ETag or the exact date keeps the Range, anything else gets the whole file', async () => {
        const { headers } = await get('/hello.txt');
        let r = await get('/hello.txt', { range: 'bytes=0-4', 'if-range': headers['etag']! });
        expect([r.status, r.body.toString()]).toEqual([206, 'Hello']);
        r = await get('/hello.txt', { range: 'bytes=0-4', 'if-range': headers['last-modified']! });
        expect(r.status).toBe(206);
        r = await get('/hello.txt', { range: 'bytes=0-4', 'if-range': `W/${headers['etag']}` });
        expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
        r = await get('/hello.txt', { range: 'bytes=0-4', 'if-range': new Date(Date.parse(headers['last-modified']!) + 1000).toUTCString() });
        expect(r.status).toBe(200);
      });

      it('a 304 or 412 never needs the content (HEAD too)', async () => {
        const { headers } = await get('/large.bin');
        const r = await get('/large.bin', { 'if-none-match': headers['etag']! }, 'HEAD');
        expect(r.status).toBe(304);
      });
    });

    describe('directories', () => {
      it('redirects /dir to a relative dir/ keeping the query', async () => {
        let r = await get('/docs');
        expect([r.status, r.headers['location']]).toEqual([301, 'docs/']);
        r = await get('/docs/guide?x=1&y=%20');
        expect(r.headers['location']).toBe('guide/?x=1&y=%20');
      });

      it('redirects a directory named "a #?" correctly (Go gets this wrong)', async () => {
        const r = await get('/a%20%23%3F');
        expect(r.status).toBe(301);
        expect(r.headers['location']).toBe('a%20%23%3F/');
        const next = new URL(r.headers['location']!, `http://127.0.0.1:${port}/a%20%23%3F`);
        const inside = await get(next.pathname + 'inside.txt');
        expect(inside.body.toString()).toBe('inside odd dir\n');
        const colon = await get('/c%3Ad');
        expect(new URL(colon.headers['location']!, 'http://h/c%3Ad').pathname).toBe('/c%3Ad/');
      });

      it('redirects .../index.html to ./ and serves the index', async () => {
        let r = await get('/docs/index.html?q');
        expect([r.status, r.headers['location']]).toEqual([301, './?q']);
        r = await get('/docs/');
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(r.body.toString()).toContain('docs index');
      });

      it('redirects a file asked for as a directory to ../name', async () => {
        const r = await get('/docs/guide/deep.md/');
        expect([r.status, r.headers['location']]).toEqual([301, '../deep.md']);
      });

      it('lists a directory in HTML with escaped names, hidden dotfiles and a 304', async () => {
        const r = await get('/');
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(r.headers['vary']).toBe('Accept');
        const html = r.body.toString();
        expect(html).toContain('<a href="with%20space.txt">with space.txt</a>');
        expect(html).toContain('<a href="a%23b%3Fc.txt">a#b?c.txt</a>');
        expect(html).toContain('<a href="100%25.txt">100%.txt</a>');
        expect(html).toContain('<a href="a%20%23%3F/">a #?/</a>');
        expect(html).toContain('<a href="docs/">docs/</a>');
        expect(html).not.toContain('.hidden');
        expect(html).not.toContain('.git');
        expect(html).not.toContain('link-outside');
        expect(html).not.toContain(fixture.root);
        const again = await get('/', { 'if-modified-since': r.headers['last-modified']! });
        expect(again.status).toBe(304);
      });

      it('lists in JSON when Accept asks for it', async () => {
        const r = await get('/docs/guide/', { accept: 'application/json' });
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        const json = JSON.parse(r.body.toString()) as { path: string; entries: Array<{ name: string; isDirectory: boolean; size: number; href: string }> };
        expect(json.path).toBe('/docs/guide/');
        expect(json.entries.map((e) => [e.name, e.isDirectory, e.href])).toEqual([
          ['deep.md', false, 'deep.md'],
          ['more', true, 'more/'],
        ]);
        const empty = await get('/empty-dir/', { accept: 'application/json' });
        expect((JSON.parse(empty.body.toString()) as { entries: unknown[] }).entries).toEqual([]);
      });
    });

    describe('paths and containment', () => {
      const attacks = [
        '/../secret.txt',
        '/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/%2e%2e/secret.txt',
        '/docs/..%2f..%2fsecret.txt',
        '/docs/%2e%2e/%2e%2e/secret.txt',
        '/..%5csecret.txt',
        '/..\\..\\secret.txt',
        '/\\..\\secret.txt',
        '//../secret.txt',
        '//..%2fsecret.txt',
        '/%c0%ae%c0%ae/secret.txt',
        '/%c0%ae%c0%ae%c0%afsecret.txt',
        '/%e0%80%ae%e0%80%ae/secret.txt',
        '/./../secret.txt',
        '/link-outside.txt',
        '/link-parent/secret.txt',
        '/link-dir/../../secret.txt',
        '/hello.txt%00.txt',
        '/%00',
        '/%',
        '/%zz',
        'http://127.0.0.1/../secret.txt',
      ];
      it.each(attacks)('never leaks the outside secret: %s', async (target) => {
        const r = await get(target);
        expect([400, 404]).toContain(r.status);
        expect(r.body.includes(Buffer.from(fixture.secret))).toBe(false);
        expect(r.body.toString()).not.toContain(fixture.root);
      });

      it('answers 400 for bad escapes, NUL and .. segments', async () => {
        for (const t of ['/%', '/%c0%ae', '/a%00', '/../hello.txt', '/%2e%2e/hello.txt']) expect((await get(t)).status, t).toBe(400);
      });

      it('cleans // and ./ without leaving the root', async () => {
        expect((await get('//hello.txt')).body.toString()).toBe('Hello, hotfs!\n');
        expect((await get('/./hello.txt')).body.toString()).toBe('Hello, hotfs!\n');
        expect((await get('/link-inside.txt')).body.toString()).toBe('Hello, hotfs!\n');
      });

      it('hides dotfiles by default (404), and deny (403) / allow policies', async () => {
        for (const t of ['/.hidden', '/.git/config', '/.git/', '/%2ehidden']) expect((await get(t)).status, t).toBe(404);
        const deny = await serverWith({ dotfiles: 'deny' });
        expect((await request(deny, '/.git/config')).status).toBe(403);
        expect((await request(deny, '/hello.txt')).status).toBe(200);
        const allow = await serverWith({ dotfiles: 'allow' });
        expect((await request(allow, '/.git/config')).body.toString()).toBe('[core]\n');
        expect((await request(allow, '/')).body.toString()).toContain('.hidden');
      });

      // Unreadable files (403) are in permissions.test.ts: as root they need a server running as nobody.

      it('404 bodies are generic', async () => {
        const r = await get('/no/such/file.txt');
        expect([r.status, r.body.toString(), r.headers['content-type']]).toEqual([404, '404 page not found\n', 'text/plain; charset=utf-8']);
      });
    });

    describe('options', () => {
      it('serves under a prefix and redirects the bare prefix', async () => {
        const p = await serverWith({ prefix: '/memfs/' });
        let r = await request(p, '/memfs');
        expect([r.status, r.headers['location']]).toEqual([301, 'memfs/']);
        r = await request(p, '/memfs/hello.txt');
        expect(r.body.toString()).toBe('Hello, hotfs!\n');
        expect((await request(p, '/hello.txt')).status).toBe(404);
        expect((await request(p, '/memfsx/hello.txt')).status).toBe(404);
        expect((await request(p, '/memfs/../secret.txt')).status).toBe(400);
        r = await request(p, '/memfs/');
        expect(r.body.toString()).toContain('Index of /memfs/');
        expect((await request(p, '/memfs/docs')).headers['location']).toBe('docs/');
      });

      it('sets Cache-Control and extra headers on files and 304s, not on errors', async () => {
        const p = await serverWith({ maxAge: 3600, immutable: true, headers: { 'Access-Control-Allow-Origin': '*' } });
        const r = await request(p, '/hello.txt');
        expect(r.headers['cache-control']).toBe('public, max-age=3600, immutable');
        expect(r.headers['access-control-allow-origin']).toBe('*');
        const nm = await request(p, '/hello.txt', { 'if-none-match': r.headers['etag']! });
        expect([nm.status, nm.headers['cache-control']]).toEqual([304, 'public, max-age=3600, immutable']);
        const miss = await request(p, '/nope');
        expect(miss.headers['cache-control']).toBeUndefined();
      });

      it('index names and listing can be configured', async () => {
        const p = await serverWith({ index: ['missing.html', 'deep.md'], listing: false });
        expect((await request(p, '/docs/guide/')).body.toString()).toBe('# deep\n');
        expect((await request(p, '/docs/guide/deep.md')).headers['location']).toBe('./');
        expect((await request(p, '/empty-dir/')).status).toBe(404);
        const none = await serverWith({ index: false });
        expect((await request(none, '/docs/')).body.toString()).toContain('index.html</a>');
      });

      it('falls through to next() on a miss or another method when asked', async () => {
        const p = await serverWith({ fallthrough: true }, (h) => (req, res) => h(req, res, () => res.end('next')));
        expect((await request(p, '/nope')).body.toString()).toBe('next');
        expect((await request(p, '/hello.txt', {}, 'POST')).body.toString()).toBe('next');
        expect((await request(p, '/.hidden')).body.toString()).toBe('next');
        expect((await request(p, '/hello.txt')).body.toString()).toBe('Hello, hotfs!\n');
        const q = await serverWith({}, (h) => (req, res) => h(req, res, () => res.end('next')));
        expect((await request(q, '/nope')).status).toBe(404);
      });

      it('works behind middleware that wraps writeHead the way on-headers (morgan, compression) does', async () => {
        const p = await serverWith({}, (h) => (req, res) => {
          // eslint-disable-next-line @typescript-eslint/unbound-method -- called below as original.call(this, …), as on-headers does
          const original = res.writeHead;
          // on-headers reads an array as [name, value] pairs and forwards only the status.
          res.writeHead = function (this: typeof res, status: number, headers?: unknown) {
            if (Array.isArray(headers)) for (const pair of headers as Array<[string, string]>) this.setHeader(pair[0], pair[1]);
            this.setHeader('X-Wrapped', 'yes');
            return original.call(this, status);
          };
          h(req, res);
        });
        const r = await request(p, '/hello.txt');
        expect([r.status, r.headers['content-type'], r.headers['content-length'], r.headers['x-wrapped'], r.body.toString()]).toEqual([
          200,
          'text/plain; charset=utf-8',
          '14',
          'yes',
          'Hello, hotfs!\n',
        ]);
        expect((await request(p, '/nope')).headers['content-type']).toBe('text/plain; charset=utf-8');
      });

      it('survives a logger and a next() that throw', async () => {
        const p = await serverWith(
          {
            fallthrough: true,
            logger: () => {
              throw new Error('logger broke');
            },
          },
          (h) => (req, res) =>
            h(req, res, () => {
              throw new Error('next broke');
            }),
        );
        expect((await request(p, '/hello.txt')).status).toBe(200);
        expect((await request(p, '/nope')).status).toBe(500);
        expect((await request(p, '/hello.txt')).status).toBe(200);
      });

      it('logs each request', async () => {
        logs.length = 0;
        await get('/hello.txt');
        await get('/nope');
        expect(logs.map((l) => [l.method, l.url, l.status])).toEqual([
          ['GET', '/hello.txt', 200],
          ['GET', '/nope', 404],
        ]);
      });
    });
  });
}
