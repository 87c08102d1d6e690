// Headers by path (option `headerRules`): validation and merging as pure functions, then real sockets
// over every backend (including two paths that hold one version) and the fetch adapter.
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';
import { createFetchHandler, createHandler, type HandlerOptions } from '../src/index.js';
import { applyHeaderRules, type HeaderRule } from '../src/header-rules.js';
import { resolveOptions } from '../src/options.js';
import { backends } from './backends.js';
import { close, listen, request } from './client.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const rules: HeaderRule[] = [
  { match: /\.[0-9a-f]{8,}\.(js|css)$/, headers: { 'Cache-Control': IMMUTABLE } },
  { match: /\.html$/, headers: { 'Cache-Control': 'no-cache', 'X-Frame-Options': 'DENY' } },
  { match: (path) => path.startsWith('/a/'), headers: { 'X-Dir': 'a' } },
  { match: (path) => path.startsWith('/b/'), headers: { 'X-Dir': 'b' } },
  { match: /\/$/, headers: { 'X-Listing': 'yes' } },
];

async function site(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hotfs-rules-'));
  await writeFile(join(root, 'index.html'), '<!doctype html>\n');
  await writeFile(join(root, 'app.0123abcd.js'), 'hashed\n');
  await writeFile(join(root, 'app.js'), 'not hashed\n');
  await mkdir(join(root, 'a'));
  await mkdir(join(root, 'b'));
  await mkdir(join(root, 'list'));
  // One file at two paths: same name, mtime, size and content, so the same ETag on every backend.
  await writeFile(join(root, 'a', 'same.js'), 'same\n');
  await link(join(root, 'a', 'same.js'), join(root, 'b', 'same.js'));
  await writeFile(join(root, 'list', 'x.txt'), 'x\n');
  return root;
}

describe('header rules, pure', () => {
  const resolved = resolveOptions({ headerRules: rules }).headerRules!;

  it('adds the headers of every matching rule; a later rule and any rule win over the base, in any case', () => {
    expect(applyHeaderRules(['Cache-Control', 'public, max-age=60', 'X-A', '1'], resolved, '/app.0123abcd.js')).toEqual(['X-A', '1', 'Cache-Control', IMMUTABLE]);
    expect(applyHeaderRules(['cache-control', 'x'], resolved, '/a/index.html')).toEqual(['Cache-Control', 'no-cache', 'X-Frame-Options', 'DENY', 'X-Dir', 'a']);
    const base = ['X-A', '1'];
    expect(applyHeaderRules(base, resolved, '/app.js')).toBe(base);
    const later = resolveOptions({ headerRules: [...rules, { match: /index/, headers: { 'cache-control': 'no-store' } }] }).headerRules!;
    expect(applyHeaderRules([], later, '/index.html')).toEqual(['X-Frame-Options', 'DENY', 'cache-control', 'no-store']);
    expect(resolveOptions({}).headerRules).toBeUndefined();
    expect(resolveOptions({ headerRules: [] }).headerRules).toBeUndefined();
  });

  it('joins Vary values instead of replacing them: what the handler varies on stays said', () => {
    const vary = resolveOptions({ headerRules: [{ match: /\.js$/, headers: { Vary: 'Sec-Fetch-Dest' } }] }).headerRules!;
    expect(applyHeaderRules(['ETag', '"x"', 'Vary', 'Accept-Encoding'], vary, '/app.js')).toEqual(['ETag', '"x"', 'Vary', 'Accept-Encoding, Sec-Fetch-Dest']);
    expect(applyHeaderRules(['ETag', '"x"'], vary, '/app.js')).toEqual(['ETag', '"x"', 'Vary', 'Sec-Fetch-Dest']);
  });

  it('refuses bad rules with a TypeError naming the rule', () => {
    for (const [bad, message] of [
      [{}, "option 'headerRules' must be an array"],
      [[null], "option 'headerRules[0]' must be an object"],
      [[{ match: '\\.js$', headers: {} }], "option 'headerRules[0].match' must be a RegExp or a function"],
      [[{ match: /x/g, headers: {} }], "option 'headerRules[0].match' must not have the g or y flag"],
      [[{ match: /x/y, headers: {} }], 'must not have the g or y flag'],
      [[rules[0], { match: /x/ }], "option 'headerRules[1].headers' must be an object"],
      [[{ match: /x/, headers: { ETag: '"x"' } }], 'option \'headerRules[0].headers\' has an invalid or reserved header name "ETag"'],
      [[{ match: /x/, headers: { 'content-type': 'text/html' } }], 'invalid or reserved header name'],
      [[{ match: /x/, headers: { 'Bad Name': 'x' } }], 'invalid or reserved header name'],
      [[{ match: /x/, headers: { 'X-A': 'caf\u00e9' } }], "option 'headerRules[0].headers' has an invalid value for X-A"],
    ] as const) {
      expect(() => resolveOptions({ headerRules: bad as unknown as HeaderRule[] }), JSON.stringify(bad)).toThrow(TypeError);
      expect(() => resolveOptions({ headerRules: bad as unknown as HeaderRule[] }), JSON.stringify(bad)).toThrow(message);
    }
    // With cors on, the Access-Control-* names are its own.
    expect(() => resolveOptions({ cors: true, headerRules: [{ match: /x/, headers: { 'Access-Control-Allow-Origin': '*' } }] })).toThrow(
      "option 'headerRules[0].headers' sets Access-Control-Allow-Origin, which option 'cors' sets",
    );
    expect(() => resolveOptions({ cors: true, headers: { 'access-control-max-age': '1' } })).toThrow(/option 'headers' sets access-control-max-age/);
    expect(resolveOptions({ headers: { 'Access-Control-Allow-Origin': '*' } }).extraHeaders).toEqual(['Access-Control-Allow-Origin', '*']);
  });
});

for (const backend of backends) {
  describe(`header rules over ${backend.name}`, () => {
    let root: string;
    let fs: FileSystem;
    const servers: Server[] = [];

    async function serve(options: HandlerOptions): Promise<(target: string, headers?: Record<string, string>) => ReturnType<typeof request>> {
      const s = await listen(createHandler(fs, options));
      servers.push(s.server);
      return (target, headers = {}) => request(s.port, target, headers);
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

    it('puts the matching rules on 200, 206 and 304; a rule wins over maxAge and headers', async () => {
      const get = await serve({ headerRules: rules, maxAge: 60, headers: { 'X-Frame-Options': 'SAMEORIGIN' } });
      const hashed = await get('/app.0123abcd.js');
      expect([hashed.status, hashed.headers['cache-control'], hashed.headers['x-frame-options']]).toEqual([200, IMMUTABLE, 'SAMEORIGIN']);
      expect(hashed.names.filter((n) => n === 'cache-control')).toHaveLength(1);
      const plain = await get('/app.js');
      expect(plain.headers['cache-control']).toBe('public, max-age=60');
      expect((await get('/app.0123abcd.js', { 'if-none-match': hashed.headers['etag']! })).headers['cache-control']).toBe(IMMUTABLE);
      const part = await get('/app.0123abcd.js', { range: 'bytes=0-1' });
      expect([part.status, part.headers['cache-control']]).toEqual([206, IMMUTABLE]);
      // The index is served as /index.html, and so matched.
      const index = await get('/');
      expect([index.status, index.headers['cache-control'], index.headers['x-frame-options']]).toEqual([200, 'no-cache', 'DENY']);
      // The fallback too.
      const route = await (await serve({ headerRules: rules, single: true }))('/users/42');
      expect([route.status, route.headers['cache-control']]).toEqual([200, 'no-cache']);
    });

    it('keeps the headers of two paths apart when they hold the same version', async () => {
      const get = await serve({ headerRules: rules });
      const a = await get('/a/same.js');
      const b = await get('/b/same.js');
      expect(b.headers['etag']).toBe(a.headers['etag']);
      expect([a.headers['x-dir'], b.headers['x-dir'], (await get('/a/same.js')).headers['x-dir'], (await get('/b/same.js')).headers['x-dir']]).toEqual(['a', 'b', 'a', 'b']);
    });

    it('matches listings by the directory path with its slash; nothing without rules', async () => {
      const listing = await (await serve({ headerRules: rules }))('/list/');
      expect([listing.status, listing.headers['x-listing'], listing.headers['vary']]).toEqual([200, 'yes', 'Accept']);
      const none = await serve({});
      expect((await none('/list/')).headers['x-listing']).toBeUndefined();
      expect((await none('/')).headers['cache-control']).toBeUndefined();
    });

    it('answers 500, not a crash, when a rule function throws', async () => {
      const get = await serve({
        headerRules: [
          {
            match: () => {
              throw new Error('rule bug');
            },
            headers: { 'X-A': '1' },
          },
        ],
      });
      expect((await get('/app.js')).status).toBe(500);
      expect((await get('/missing')).status).toBe(404);
    });
  });
}

describe('header rules over a backend that hands out one FileInfo at two paths', () => {
  let root: string;
  let mem: MemFS;
  let server: Server | undefined;
  beforeAll(async () => {
    root = await site();
    mem = await MemFS.mirror(root);
  });
  afterAll(async () => {
    await close(server);
    await mem?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the headers apart by path, not only by version', async () => {
    // The tree mounted twice: /b/... is /a/... of the same MemFS, the very same FileInfo objects.
    const alias = (path: string): string => path.replace(/^\/b\//, '/a/');
    const twice: FileSystem = {
      open: (path) => mem.open(alias(path)),
      stat: (path) => mem.stat(alias(path)),
      readdir: (path) => mem.readdir(alias(path)),
      close: async () => {},
    };
    expect(await twice.stat('/b/same.js')).toBe(await twice.stat('/a/same.js'));
    let port: number;
    ({ server, port } = await listen(createHandler(twice, { headerRules: rules })));
    const dirs = [];
    for (const path of ['/a/same.js', '/b/same.js', '/b/same.js', '/a/same.js']) dirs.push((await request(port, path)).headers['x-dir']);
    expect(dirs).toEqual(['a', 'b', 'b', 'a']);
  });
});

describe('header rules through the fetch adapter', () => {
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
        const handle = createFetchHandler(fs, { headerRules: rules, maxAge: 60 });
        const get = async (path: string): Promise<[string | null, string | null]> => {
          const r = await handle(new Request(`http://hotfs.test${path}`));
          return [r.headers.get('cache-control'), r.headers.get('x-dir')];
        };
        expect(await get('/app.0123abcd.js')).toEqual([IMMUTABLE, null]);
        expect(await get('/')).toEqual(['no-cache', null]);
        expect(await get('/a/same.js')).toEqual(['public, max-age=60', 'a']);
        expect(await get('/b/same.js')).toEqual(['public, max-age=60', 'b']);
      }
    } finally {
      await mem.close();
    }
  });
});
