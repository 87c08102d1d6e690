// CORS (option `cors`): the pure header and preflight plans, then real sockets over every backend,
// hostile Origin values, and the fetch adapter.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';
import { createFetchHandler, createHandler, type HandlerOptions } from '../src/index.js';
import { corsMethodNotAllowed, preflightPlan, resolveCors, withCors, type ResolvedCors } from '../src/cors.js';
import { errorPlan } from '../src/respond.js';
import { backends } from './backends.js';
import { close, listen, rawRequest, request, type RawResponse } from './client.js';

const EXPOSED = 'Accept-Ranges, Content-Encoding, Content-Length, Content-Range, ETag';
const APP = 'https://app.example';

// The headers withCors adds to an answer.
const corsHeaders = (cors: ResolvedCors, origin: string | undefined): readonly string[] => withCors(errorPlan(404), cors, origin).headers.slice(errorPlan(404).headers.length);
// What a preflight allows of the headers it asks for.
const allowedRequestHeaders = (requested: string): string | undefined => {
  const h = preflightPlan(resolveCors(true)!, APP, 'GET', requested).headers;
  const i = h.indexOf('Access-Control-Allow-Headers');
  return i < 0 ? undefined : h[i + 1];
};

async function site(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hotfs-cors-'));
  await writeFile(join(root, 'data.json'), '{"a":1}\n');
  await mkdir(join(root, 'dir'));
  await writeFile(join(root, 'dir', 'x.txt'), 'x\n');
  return root;
}

describe('CORS plans', () => {
  it('validates option cors: true, false, or origins as browsers send them', () => {
    expect(resolveCors(undefined)).toBeUndefined();
    expect(resolveCors(false)).toBeUndefined();
    expect(resolveCors(true)).toEqual({ origins: undefined });
    expect(resolveCors([APP, 'http://localhost:5173', 'http://[::1]:8080'])?.origins).toEqual(new Set([APP, 'http://localhost:5173', 'http://[::1]:8080']));
    for (const [bad, message] of [
      [[], 'must be true, false or a non-empty array'],
      ['https://a.example', 'must be true, false or a non-empty array'],
      [['*'], 'use cors: true'],
      [['null'], 'must be scheme://host[:port]'],
      [['app.example'], 'must be scheme://host[:port]'],
      [['https://app.example/'], 'must be written as browsers send it: https://app.example'],
      [['https://App.example'], 'must be written as browsers send it: https://app.example'],
      [['https://app.example:443'], 'must be written as browsers send it: https://app.example'],
      [['https://app.example/path'], 'must be written as browsers send it'],
      [['file:///tmp'], 'must be an http: or https: origin'],
      [[1], 'must be a string'],
    ] as const) {
      expect(() => resolveCors(bad), JSON.stringify(bad)).toThrow(TypeError);
      expect(() => resolveCors(bad), JSON.stringify(bad)).toThrow(message);
    }
  });

  it('adds * without reading Origin, or echoes a listed origin with Vary: Origin on every answer', () => {
    const any = resolveCors(true)!;
    expect(corsHeaders(any, undefined)).toEqual(['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED]);
    expect(corsHeaders(any, 'https://evil.example')).toEqual(corsHeaders(any, undefined));
    const listed = resolveCors([APP])!;
    expect(corsHeaders(listed, APP)).toEqual(['Access-Control-Allow-Origin', APP, 'Access-Control-Expose-Headers', EXPOSED, 'Vary', 'Origin']);
    for (const other of [undefined, 'null', 'https://app.example.evil', 'HTTPS://APP.EXAMPLE', `${APP}, ${APP}`, 'x'.repeat(10_000)]) {
      expect(corsHeaders(listed, other), String(other).slice(0, 40)).toEqual(['Vary', 'Origin']);
    }
  });

  it('plans preflights: methods, the request headers the handler reads, max-age; nothing for others', () => {
    const listed = resolveCors([APP])!;
    expect(preflightPlan(listed, APP, 'GET', 'Range, X-Custom, if-none-match, range')).toEqual({
      status: 204,
      headers: ['Access-Control-Allow-Methods', 'GET, HEAD', 'Access-Control-Allow-Headers', 'range, if-none-match', 'Access-Control-Max-Age', '86400'],
      body: undefined,
    });
    expect(preflightPlan(listed, APP, 'GET', undefined).headers).toEqual(['Access-Control-Allow-Methods', 'GET, HEAD', 'Access-Control-Max-Age', '86400']);
    const plain = { status: 204, headers: ['Allow', 'GET, HEAD, OPTIONS'], body: undefined };
    expect(preflightPlan(listed, 'https://evil.example', 'GET', 'range')).toEqual(plain);
    expect(preflightPlan(listed, undefined, 'GET', 'range')).toEqual(plain);
    expect(preflightPlan(listed, APP, undefined, undefined)).toEqual(plain);
    expect(preflightPlan(resolveCors(true)!, 'null', 'PUT', undefined).status).toBe(204);
    expect(allowedRequestHeaders(' ACCEPT ,if-match,If-Modified-Since,if-unmodified-since,if-range,authorization,,')).toBe(
      'accept, if-match, if-modified-since, if-unmodified-since, if-range',
    );
    expect(allowedRequestHeaders(`${'x,'.repeat(5000)}range`)).toBe('range');
    expect(allowedRequestHeaders('x-custom, authorization')).toBeUndefined();
    expect(withCors(errorPlan(404), resolveCors(true)!, undefined).body).toBe(errorPlan(404).body);
    const notAllowed = corsMethodNotAllowed();
    expect(notAllowed.headers).toContain('GET, HEAD, OPTIONS');
    expect(notAllowed.body).toEqual(errorPlan(405).body);
    expect(errorPlan(405).headers).toContain('GET, HEAD');
  });
});

describe('CORS plans on any input', () => {
  // Node throws inside writeHead on a header value outside latin-1 or with CR/LF: every value must stay printable.
  const printable = (headers: readonly string[]): boolean => headers.every((h) => /^[\t\x20-\x7e]*$/.test(h));
  it('never throws and only ever sends printable values, whatever Origin and the preflight headers hold', () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(APP, 'null', '*', '', `${APP}\r\nX: y`));
    const cors = [resolveCors(true)!, resolveCors([APP])!];
    fc.assert(
      fc.property(text, fc.option(text), fc.option(text), (origin, method, requested) => {
        for (const c of cors) {
          expect(printable(withCors(errorPlan(404), c, origin).headers)).toBe(true);
          const pre = preflightPlan(c, origin, method ?? undefined, requested ?? undefined);
          expect(pre.status).toBe(204);
          expect(printable(pre.headers)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

for (const backend of backends) {
  describe(`CORS over ${backend.name}`, () => {
    let root: string;
    let fs: FileSystem;
    const servers: Server[] = [];

    async function serve(options: HandlerOptions, fallthrough?: (method: string) => void): Promise<number> {
      const handler = createHandler(fs, options);
      const s = await listen(
        fallthrough === undefined
          ? handler
          : (req, res) =>
              handler(req, res, () => {
                fallthrough(req.method ?? '');
                res.writeHead(418).end();
              }),
      );
      servers.push(s.server);
      return s.port;
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

    const acao = (r: RawResponse): string | undefined => r.headers['access-control-allow-origin'];

    it('cors: true puts * and the exposed headers on files, 304s, ranges, listings, redirects and errors', async () => {
      const port = await serve({ cors: true });
      const file = await request(port, '/data.json', { origin: APP });
      expect([file.status, acao(file), file.headers['access-control-expose-headers'], file.headers['vary']]).toEqual([200, '*', EXPOSED, undefined]);
      const answers = [
        await request(port, '/data.json', { 'if-none-match': file.headers['etag']! }),
        await request(port, '/data.json', { range: 'bytes=0-1' }),
        await request(port, '/dir/'),
        await request(port, '/dir'),
        await request(port, '/missing'),
        await request(port, '/%zz'),
        await request(port, '/data.json', {}, 'HEAD'),
      ];
      expect(answers.map((r) => [r.status, acao(r)])).toEqual([
        [304, '*'],
        [206, '*'],
        [200, '*'],
        [301, '*'],
        [404, '*'],
        [400, '*'],
        [200, '*'],
      ]);
      // The listing keeps its own Vary.
      expect(answers[2]!.headers['vary']).toBe('Accept');
    });

    it('a list of origins: the listed one echoed, any other (or none) gets no ACAO; Vary: Origin on all', async () => {
      const port = await serve({ cors: [APP, 'http://localhost:5173'] });
      const ok = await request(port, '/data.json', { origin: 'http://localhost:5173' });
      expect([ok.status, acao(ok), ok.headers['vary'], ok.headers['access-control-expose-headers']]).toEqual([200, 'http://localhost:5173', 'Origin', EXPOSED]);
      expect(ok.body.toString()).toBe('{"a":1}\n');
      for (const origin of [undefined, 'https://evil.example', 'null', `${APP}.evil`]) {
        const r = await request(port, '/data.json', origin === undefined ? {} : { origin });
        expect([origin, r.status, acao(r), r.headers['vary']]).toEqual([origin, 200, undefined, 'Origin']);
      }
      const missing = await request(port, '/missing', { origin: APP });
      expect([missing.status, acao(missing), missing.headers['vary']]).toEqual([404, APP, 'Origin']);
      const listing = await request(port, '/dir/', { origin: APP });
      expect(listing.headers['vary']).toBe('Accept, Origin');
    });

    it('answers preflights with 204; a 405 lists OPTIONS; without cors OPTIONS stays a 405', async () => {
      const port = await serve({ cors: [APP] });
      const pre = await request(port, '/data.json', { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range,x-custom' }, 'OPTIONS');
      expect([pre.status, acao(pre), pre.headers['access-control-allow-methods'], pre.headers['access-control-allow-headers'], pre.headers['access-control-max-age']]).toEqual([
        204,
        APP,
        'GET, HEAD',
        'range',
        '86400',
      ]);
      expect(pre.body.length).toBe(0);
      const refused = await request(port, '/data.json', { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
      expect([refused.status, acao(refused), refused.headers['access-control-allow-methods'], refused.headers['allow']]).toEqual([204, undefined, undefined, 'GET, HEAD, OPTIONS']);
      const plain = await request(port, '/anything', {}, 'OPTIONS');
      expect([plain.status, plain.headers['allow']]).toEqual([204, 'GET, HEAD, OPTIONS']);
      const post = await request(port, '/data.json', { origin: APP }, 'POST');
      expect([post.status, post.headers['allow'], acao(post)]).toEqual([405, 'GET, HEAD, OPTIONS', APP]);
      const off = await request(await serve({}), '/data.json', { origin: APP, 'access-control-request-method': 'GET' }, 'OPTIONS');
      expect([off.status, off.headers['allow'], acao(off)]).toEqual([405, 'GET, HEAD', undefined]);
    });

    it('as middleware with fallthrough, answers OPTIONS itself and passes other methods on', async () => {
      const passed: string[] = [];
      const port = await serve({ cors: true, fallthrough: true }, (m) => passed.push(m));
      expect((await request(port, '/data.json', { origin: APP, 'access-control-request-method': 'GET' }, 'OPTIONS')).status).toBe(204);
      expect((await request(port, '/data.json', {}, 'DELETE')).status).toBe(418);
      expect(passed).toEqual(['DELETE']);
      // Below a prefix, a preflight for another route (an API mounted beside it) is that route's.
      const prefixed = await serve({ cors: true, fallthrough: true, prefix: '/static/' }, (m) => passed.push(m));
      const preflight = { origin: APP, 'access-control-request-method': 'POST' };
      expect((await request(prefixed, '/api/items', preflight, 'OPTIONS')).status).toBe(418);
      expect((await request(prefixed, '/static/data.json', preflight, 'OPTIONS')).status).toBe(204);
      expect(passed).toEqual(['DELETE', 'OPTIONS']);
    });

    it('gives a defined answer, never a 5xx and never an ACAO, to a garbage Origin', async () => {
      const port = await serve({ cors: [APP] });
      const heads = ['null', `https://${'a'.repeat(10_000)}.example`, 'https://exämple.test', 'https://app.example.', `${APP}, ${APP}`, '*', ''].map(
        (origin) => `GET /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: ${origin}\r\n\r\n`,
      );
      heads.push(`GET /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: ${APP}\r\nOrigin: https://evil.example\r\n\r\n`);
      heads.push(`OPTIONS /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: \u00ff\u0080\r\nAccess-Control-Request-Method: \u00ff\r\n\r\n`);
      for (const head of heads) {
        const r = await rawRequest(port, head);
        expect(r.status, head.slice(0, 80)).toBeLessThan(500);
        expect(acao(r), head.slice(0, 80)).toBeUndefined();
      }
      // Still answering.
      expect(acao(await request(port, '/data.json', { origin: APP }))).toBe(APP);
    });
  });
}

describe('CORS through the fetch adapter', () => {
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
        const handle = createFetchHandler(fs, { cors: [APP] });
        const ok = await handle(new Request('http://hotfs.test/data.json', { headers: { origin: APP } }));
        expect([ok.status, ok.headers.get('access-control-allow-origin'), ok.headers.get('vary'), await ok.text()]).toEqual([200, APP, 'Origin', '{"a":1}\n']);
        const other = await handle(new Request('http://hotfs.test/missing', { headers: { origin: 'https://evil.example' } }));
        expect([other.status, other.headers.get('access-control-allow-origin'), other.headers.get('vary')]).toEqual([404, null, 'Origin']);
        const pre = await handle(
          new Request('http://hotfs.test/data.json', {
            method: 'OPTIONS',
            headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
          }),
        );
        expect([
          pre.status,
          pre.headers.get('access-control-allow-origin'),
          pre.headers.get('access-control-allow-methods'),
          pre.headers.get('access-control-allow-headers'),
        ]).toEqual([204, APP, 'GET, HEAD', 'range']);
        const post = await handle(new Request('http://hotfs.test/data.json', { method: 'POST', body: 'x', headers: { origin: APP } }));
        expect([post.status, post.headers.get('allow'), post.headers.get('access-control-allow-origin')]).toEqual([405, 'GET, HEAD, OPTIONS', APP]);
        const any = await createFetchHandler(fs, { cors: true })(new Request('http://hotfs.test/data.json'));
        expect([any.headers.get('access-control-allow-origin'), any.headers.get('access-control-expose-headers')]).toEqual(['*', EXPOSED]);
      }
    } finally {
      await mem.close();
    }
  });
});
