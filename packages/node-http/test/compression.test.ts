// Precompressed siblings (app.js.br beside app.js) negotiated on Accept-Encoding, over real sockets.
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileSystem } from '@hotfs/core';
import { createFetchHandler, createHandler, type HandlerOptions } from '../src/index.js';
import { backends } from './backends.js';
import { close, listen, request, type RawResponse } from './client.js';
import { tempDir } from '../../core/test/support.js';

const script = Buffer.from('export const answer = 42;\n'.repeat(800));
const css = Buffer.from('body { color: rebeccapurple; }\n'.repeat(300));
const page = Buffer.from(`<!doctype html><title>t</title>${'<p>hello</p>'.repeat(200)}`);

async function layTree(root: string): Promise<void> {
  await writeFile(join(root, 'app.js'), script);
  await writeFile(join(root, 'app.js.br'), brotliCompressSync(script));
  await writeFile(join(root, 'app.js.gz'), gzipSync(script));
  await writeFile(join(root, 'style.css'), css);
  await writeFile(join(root, 'style.css.gz'), gzipSync(css));
  await writeFile(join(root, 'plain.txt'), 'no siblings here');
  await writeFile(join(root, 'odd.txt'), 'its .br sibling is a directory');
  await mkdir(join(root, 'odd.txt.br'));
  await mkdir(join(root, 'site'));
  await writeFile(join(root, 'site/index.html'), page);
  await writeFile(join(root, 'site/index.html.br'), brotliCompressSync(page));
  // Its .br sibling's name is one byte past NAME_MAX: looking it up fails with ENAMETOOLONG.
  await writeFile(join(root, `${'n'.repeat(249)}.txt`), 'long name');
}

for (const backend of backends) {
  describe(`precompressed siblings over ${backend.name}`, () => {
    let root = '';
    let remove: () => Promise<void>;
    let fs: FileSystem;
    const servers: Server[] = [];
    let port = 0;

    async function serve(options: HandlerOptions): Promise<number> {
      const s = await listen(createHandler(fs, options));
      servers.push(s.server);
      return s.port;
    }

    beforeAll(async () => {
      ({ dir: root, remove } = await tempDir());
      await layTree(root);
      fs = await backend.make(root);
      port = await serve({ precompressed: true });
    });
    afterAll(async () => {
      for (const s of servers) await close(s);
      await fs.close();
      await remove();
    });

    const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> => request(port, path, headers, method);

    it('sends the br sibling to a client that prefers br, with the original type and Vary', async () => {
      const res = await get('/app.js', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['vary']).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(res.body.length).toBeLessThan(script.length / 10);
      expect(brotliDecompressSync(res.body).equals(script)).toBe(true);
    });

    it('sends gzip when that is what the client accepts, and identity (still with Vary) when it accepts nothing', async () => {
      const gz = await get('/app.js', { 'Accept-Encoding': 'gzip' });
      expect([gz.headers['content-encoding'], gz.headers['vary']]).toEqual(['gzip', 'Accept-Encoding']);
      expect(gunzipSync(gz.body).equals(script)).toBe(true);
      const plain = await get('/app.js');
      expect([plain.headers['content-encoding'], plain.headers['vary']]).toEqual([undefined, 'Accept-Encoding']);
      expect(plain.body.equals(script)).toBe(true);
      // Every representation has its own validator.
      const br = await get('/app.js', { 'Accept-Encoding': 'br' });
      expect(new Set([gz.headers['etag'], plain.headers['etag'], br.headers['etag']]).size).toBe(3);
    });

    it('q-values decide; a coding the file lacks falls to the next', async () => {
      const res = await get('/app.js', { 'Accept-Encoding': 'br;q=0.5, gzip' });
      expect(res.headers['content-encoding']).toBe('gzip');
      const css1 = await get('/style.css', { 'Accept-Encoding': 'br, gzip;q=0.1' });
      expect(css1.headers['content-encoding']).toBe('gzip');
      const css2 = await get('/style.css', { 'Accept-Encoding': 'br' });
      expect([css2.headers['content-encoding'], css2.headers['vary']]).toEqual([undefined, 'Accept-Encoding']);
      expect(css2.body.equals(css)).toBe(true);
    });

    it('conditional requests and HEAD apply to the representation chosen', async () => {
      const first = await get('/app.js', { 'Accept-Encoding': 'br' });
      const again = await get('/app.js', { 'Accept-Encoding': 'br', 'If-None-Match': first.headers['etag']! });
      expect([again.status, again.headers['etag'], again.headers['vary'], again.body.length]).toEqual([304, first.headers['etag'], 'Accept-Encoding', 0]);
      // The br tag does not match the gzip representation.
      const gz = await get('/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers['etag']! });
      expect(gz.status).toBe(200);
      const head = await get('/app.js', { 'Accept-Encoding': 'br' }, 'HEAD');
      expect([head.status, head.headers['content-length'], head.headers['content-encoding'], head.body.length]).toEqual([200, String(first.body.length), 'br', 0]);
    });

    it('Range and If-Range apply to the encoded bytes', async () => {
      const whole = await get('/app.js', { 'Accept-Encoding': 'br' });
      const part = await get('/app.js', { 'Accept-Encoding': 'br', Range: 'bytes=5-14' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 5-14/${whole.body.length}`);
      expect(part.headers['content-encoding']).toBe('br');
      expect(part.body.equals(whole.body.subarray(5, 15))).toBe(true);
      // The identity tag does not name the br bytes: the whole br body, never a splice.
      const plain = await get('/app.js');
      const mixed = await get('/app.js', { 'Accept-Encoding': 'br', Range: 'bytes=5-14', 'If-Range': plain.headers['etag']! });
      expect([mixed.status, mixed.body.length]).toEqual([200, whole.body.length]);
    });

    it('a multi-range request on an encoded variant gets all of it (a multipart body cannot be decoded)', async () => {
      const whole = await get('/app.js', { 'Accept-Encoding': 'br' });
      const multi = await get('/app.js', { 'Accept-Encoding': 'br', Range: 'bytes=0-9,20-29' });
      expect([multi.status, multi.headers['content-encoding'], multi.body.equals(whole.body)]).toEqual([200, 'br', true]);
      // Identity still gets its multipart answer.
      expect((await get('/app.js', { Range: 'bytes=0-9,20-29' })).status).toBe(206);
    });

    it('a sibling asked for by its own name and then as a variant keeps each answer its own headers', async () => {
      const direct = await get('/app.js.gz', { 'Accept-Encoding': 'gzip' });
      expect([direct.headers['content-type'], direct.headers['content-encoding']]).toEqual(['application/gzip', undefined]);
      const variant = await get('/app.js', { 'Accept-Encoding': 'gzip' });
      expect([variant.headers['content-type'], variant.headers['content-encoding']]).toEqual([expect.stringMatching(/^text\/javascript/), 'gzip']);
      const again = await get('/app.js.gz', { 'Accept-Encoding': 'gzip' });
      expect([again.headers['content-type'], again.headers['content-encoding']]).toEqual(['application/gzip', undefined]);
    });

    it('a sibling that cannot be looked up is no sibling: the file itself is served', async () => {
      const res = await get(`/${'n'.repeat(249)}.txt`, { 'Accept-Encoding': 'br, gzip' });
      expect([res.status, res.headers['content-encoding'], res.body.toString()]).toEqual([200, undefined, 'long name']);
    });

    it('serves a directory index through its sibling, and ignores a sibling that is a directory', async () => {
      const index = await get('/site/', { 'Accept-Encoding': 'br' });
      expect([index.status, index.headers['content-encoding'], index.headers['content-type']]).toEqual([200, 'br', 'text/html; charset=utf-8']);
      expect(brotliDecompressSync(index.body).equals(page)).toBe(true);
      const odd = await get('/odd.txt', { 'Accept-Encoding': 'br' });
      expect([odd.status, odd.headers['content-encoding'], odd.body.toString()]).toEqual([200, undefined, 'its .br sibling is a directory']);
    });

    it('malformed or hostile Accept-Encoding values get a defined answer, never a 5xx', async () => {
      const hostile = ['br;q=abc', 'gzip;q=2', 'identity;q=0', '*;q=0', 'ü, br', ',;,;=', `${'x,'.repeat(5000)}gzip`, 'br;q=0.5;q=0.9'];
      for (const value of hostile) {
        const res = await get('/app.js', { 'Accept-Encoding': value });
        expect(res.status, value).toBe(200);
        expect(['br', 'gzip', undefined], value).toContain(res.headers['content-encoding']);
      }
      expect((await get('/app.js', { 'Accept-Encoding': 'identity;q=0' })).body.equals(script)).toBe(true);
    });

    it('off (the default), and limited to some codings', async () => {
      const offPort = await serve({});
      const off = await request(offPort, '/app.js', { 'Accept-Encoding': 'br, gzip' });
      expect([off.headers['content-encoding'], off.headers['vary']]).toEqual([undefined, undefined]);
      expect(off.body.equals(script)).toBe(true);
      const gzPort = await serve({ precompressed: ['gzip'] });
      const gz = await request(gzPort, '/app.js', { 'Accept-Encoding': 'br, gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
    });
  });
}

describe('precompressed siblings through the fetch adapter', () => {
  it('negotiates as the Node handler does', async () => {
    const { dir, remove } = await tempDir();
    try {
      await layTree(dir);
      const fs = await backends[0]!.make(dir);
      const handle = createFetchHandler(fs, { precompressed: true });
      const res = await handle(new Request('http://x/app.js', { headers: { 'Accept-Encoding': 'br' } }));
      expect([res.status, res.headers.get('content-encoding'), res.headers.get('vary')]).toEqual([200, 'br', 'Accept-Encoding']);
      expect(brotliDecompressSync(Buffer.from(await res.arrayBuffer())).equals(script)).toBe(true);
      await fs.close();
    } finally {
      await remove();
    }
  });
});

describe('handler option precompressed', () => {
  it.each([['yes'], [['br', 'deflate']], [{}], [1]])('refuses %j with a TypeError naming it', (value) => {
    expect(() =>
      createHandler({ open: async () => ({}), stat: async () => ({}), readdir: async () => [], close: async () => {} } as never, { precompressed: value as never }),
    ).toThrow(/option 'precompressed'/);
  });
});
