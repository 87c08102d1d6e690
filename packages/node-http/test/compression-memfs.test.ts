// Encodings MemFS computes (compress: true) served by the handler: negotiated, a sibling preferred,
// never an old version's encoding for a new version, and HTML with the live script kept identity.
import { rename, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemFS, SubFS } from '@hotfs/core';
import { createHandler, type HandlerOptions } from '../src/index.js';
import { close, listen, request, type RawResponse } from './client.js';
import { tempDir } from '../../core/test/support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const bundle = (tag: string) => Buffer.from(`// ${tag}\n` + `export const value_${tag} = [${'1, 2, 3, '.repeat(20)}];\n`.repeat(300));

async function serve(files: Record<string, Buffer | string>, options: HandlerOptions = {}, settled = true): Promise<{ dir: string; fs: MemFS; port: number }> {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  const fs = await MemFS.mirror(dir, { compress: true, settleMs: 20 });
  cleanups.push(() => fs.close());
  if (settled) await fs.encodingsSettled();
  const s: { server: Server; port: number } = await listen(createHandler(fs, options));
  cleanups.push(() => close(s.server));
  return { dir, fs, port: s.port };
}

/** The identity bytes a response stands for, whatever its Content-Encoding. */
function decoded(res: RawResponse): Buffer {
  const coding = res.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(res.body);
  if (coding === 'gzip') return gunzipSync(res.body);
  if (coding === undefined) return res.body;
  throw new Error(`unexpected Content-Encoding ${coding}`);
}

describe('encodings MemFS holds, over HTTP', () => {
  it('are negotiated like siblings, with Vary and a tag per representation', async () => {
    const v1 = bundle('one');
    const { port } = await serve({ 'app.js': v1, 'tiny.js': 'x' });
    const br = await request(port, '/app.js', { 'Accept-Encoding': 'gzip, br' });
    const gz = await request(port, '/app.js', { 'Accept-Encoding': 'gzip' });
    const plain = await request(port, '/app.js');
    expect([br.headers['content-encoding'], gz.headers['content-encoding'], plain.headers['content-encoding']]).toEqual(['br', 'gzip', undefined]);
    for (const r of [br, gz, plain]) expect([r.headers['vary'], decoded(r).equals(v1)]).toEqual(['Accept-Encoding', true]);
    expect(br.body.length).toBeLessThan(v1.length / 5);
    expect(new Set([br.headers['etag'], gz.headers['etag'], plain.headers['etag']]).size).toBe(3);
    const again = await request(port, '/app.js', { 'Accept-Encoding': 'br', 'If-None-Match': br.headers['etag']! });
    expect(again.status).toBe(304);
    // Below the size floor nothing is computed; the answer still says Vary.
    const tiny = await request(port, '/tiny.js', { 'Accept-Encoding': 'br' });
    expect([tiny.headers['content-encoding'], tiny.headers['vary'], tiny.body.toString()]).toEqual([undefined, 'Accept-Encoding', 'x']);
  });

  it('reach the handler through a wrapper (SubFS over the MemFS)', async () => {
    const v1 = bundle('sub');
    const { fs } = await serve({ 'app.js': v1 });
    const s = await listen(createHandler(new SubFS(fs, '/')));
    cleanups.push(() => close(s.server));
    const res = await request(s.port, '/app.js', { 'Accept-Encoding': 'br' });
    expect([res.headers['content-encoding'], decoded(res).equals(v1)]).toEqual(['br', true]);
  });

  it('a sibling on disk wins over the computed encoding of the same coding', async () => {
    const v1 = bundle('sib');
    // Quality 1: other bytes than the computed encoding (quality 11), so the test tells them apart.
    const sibling = brotliCompressSync(v1, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    const { fs, port } = await serve({ 'app.js': v1, 'app.js.br': sibling }, { precompressed: true });
    const held = await fs.open('/app.js');
    const computed = held.encodings?.().find((e) => e.coding === 'br');
    await held.close();
    expect(computed !== undefined && !Buffer.from(computed.bytes).equals(sibling)).toBe(true);
    const res = await request(port, '/app.js', { 'Accept-Encoding': 'br' });
    expect([res.headers['content-encoding'], res.body.equals(sibling)]).toEqual(['br', true]);
    // gzip has no sibling: the computed one.
    const gz = await request(port, '/app.js', { 'Accept-Encoding': 'gzip' });
    expect([gz.headers['content-encoding'], decoded(gz).equals(v1)]).toEqual(['gzip', true]);
  });

  it('a new version is never answered with the old version encoded', async () => {
    // Big enough that brotli takes a good part of a second: the new version arrives while the old
    // one's encodings are still being computed.
    const v1 = Buffer.concat(Array.from({ length: 24 }, (_, i) => bundle(`old${i}`)));
    const v2 = bundle('new');
    const { dir, fs, port } = await serve({ 'app.js': v1 }, {}, false);
    await writeFile(join(dir, 'next.js'), v2);
    await rename(join(dir, 'next.js'), join(dir, 'app.js'));
    let sawNew = false;
    let encodedNew = false;
    const deadline = Date.now() + 20_000;
    while (!encodedNew && Date.now() < deadline) {
      const res = await request(port, '/app.js', { 'Accept-Encoding': 'br, gzip' });
      const body = decoded(res);
      if (body.equals(v2)) {
        sawNew = true;
        encodedNew = res.headers['content-encoding'] !== undefined;
      } else {
        expect(body.equals(v1), 'a body that is neither version').toBe(true);
        // Once the new version has been served, the old one (in any coding) never comes back.
        expect(sawNew, 'the old version after the new one').toBe(false);
      }
    }
    expect(encodedNew).toBe(true);
    await fs.encodingsSettled();
  });

  it('an HTML page that gets the live script is sent as identity (with its header rules), other files still encoded', async () => {
    const page = Buffer.from(`<!doctype html><body>${'<p>hello</p>\n'.repeat(200)}</body>`);
    const rules = [{ match: /\.html$/, headers: { 'Cache-Control': 'no-cache' } }];
    const { port } = await serve({ 'index.html': page, 'app.js': bundle('live') }, { live: true, headerRules: rules });
    const html = await request(port, '/', { 'Accept-Encoding': 'br' });
    // The page with the script keeps the headers its path's rules give it.
    expect([html.status, html.headers['cache-control']]).toEqual([200, 'no-cache']);
    expect(html.headers['content-encoding']).toBeUndefined();
    expect(html.body.toString()).toContain('.hotfs/live');
    const js = await request(port, '/app.js', { 'Accept-Encoding': 'br' });
    expect(js.headers['content-encoding']).toBe('br');
  });
});
