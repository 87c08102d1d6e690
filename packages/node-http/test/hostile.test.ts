// Hostile requests, generated: fast-check builds request-targets, Range and conditional headers
// from every trick in the book and sends them raw (unnormalised) to a real server over each backend.
// Every response is checked against the bytes on disk: nothing from outside the root, exact slices,
// honest Content-Length, no 5xx, bounded size, and the server keeps answering.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileSystem } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createHandler, type RequestLog } from '../src/index.js';
import { untilValidatorsStrong } from '../../../test-support/settle.mjs';
import { backends } from './backends.js';
import { close, listen, rawRequest, request, type RawResponse } from './client.js';

// Node refuses request heads over 16 KiB (431) and may reset the connection while we still write.
const NODE_MAX_HEADER = 16 * 1024;
const SEED = Number(process.env['HOTFS_FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['HOTFS_FC_RUNS'] ?? 300);

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function regularFiles(dir: string, out: Map<string, Buffer> = new Map(), rel = ''): Promise<Map<string, Buffer>> {
  for (const name of await readdir(dir)) {
    const host = join(dir, name);
    const s = await lstat(host);
    if (s.isDirectory()) await regularFiles(host, out, `${rel}/${name}`);
    else if (s.isFile()) out.set(`${rel}/${name}`, await readFile(host));
  }
  return out;
}

/** Splits a multipart/byteranges body into its parts; throws on any framing error. */
function multipartParts(body: Buffer, boundary: string): Array<{ range: string; body: Buffer }> {
  const out: Array<{ range: string; body: Buffer }> = [];
  let pos = 0;
  const open = Buffer.from(`--${boundary}\r\n`);
  const end = Buffer.from(`\r\n--${boundary}--\r\n`);
  for (;;) {
    if (!body.subarray(pos, pos + open.length).equals(open)) throw new Error(`expected a boundary at ${pos}`);
    pos += open.length;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('part without a head');
    const head = body.subarray(pos, headEnd).toString('latin1');
    const m = /^Content-Range: bytes (\d+)-(\d+)\/(\d+)$/m.exec(head);
    if (!m) throw new Error(`part without Content-Range: ${head}`);
    const start = Number(m[1]);
    const last = Number(m[2]);
    pos = headEnd + 4;
    out.push({ range: `${start}-${last}/${m[3]}`, body: body.subarray(pos, pos + last - start + 1) });
    pos += last - start + 1;
    if (body.subarray(pos).equals(end)) return out;
    if (!body.subarray(pos, pos + 2).equals(Buffer.from('\r\n'))) throw new Error(`part overruns at ${pos}`);
    pos += 2;
  }
}

// ---------------------------------------------------------------- generators

const tricks = [
  '..',
  '.',
  '...',
  '%2e%2e',
  '%2E%2E',
  '%2E.',
  '.%2e',
  '%2e',
  '%2f',
  '%2F',
  '..%2f',
  '%2f..',
  '..%2F..%2F',
  '%5c',
  '%5C',
  '..%5c',
  '\\',
  '..\\',
  '\\..',
  '%00',
  'a%00b',
  '%c0%ae',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%c1%9c',
  '%e0%80%ae',
  '%e0%80%ae%e0%80%ae',
  '%f0%80%80%ae',
  '%252e',
  '%252e%252e',
  '%252f',
  '%25',
  '%',
  '%zz',
  '%2',
  '%%32%65',
  '%u002e',
  '%ef%bc%8e',
  '%ed%a0%80',
  '%ff',
  '',
  '',
  'secret.txt',
  'hello.txt',
  'docs',
  'guide',
  'more',
  'link-outside.txt',
  'link-parent',
  'link-dir',
  'link-inside.txt',
  'link-dangling',
  'index.html',
  'empty-dir',
  'medium.bin',
  '%e2%82%ac',
  '€',
  'ünïcødé €.txt',
  '%C3%BC',
  '100%25.txt',
  '100%.txt',
  'a%23b%3Fc.txt',
  '.hidden',
  '.git',
  ';',
  ';x=1',
  '~',
  'con',
  'NUL',
  'C:',
  'c:%5c',
  '%20',
  '+',
];

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...tricks) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,10}$/) },
  // Raw printable non-ASCII too: the server must refuse it or handle it, never crash.
  // eslint-disable-next-line no-control-regex -- strips control characters from generated names on purpose
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }).map((s) => s.replace(/[\s\x00-\x1f\x7f]/g, '')) },
);

const separator = fc.constantFrom('/', '/', '/', '//', '%2f', '/./', '\\', '%5c');

const pathTarget = fc
  .tuple(
    fc.constantFrom('/', '/', '/', '//', '///', '/./', 'http://127.0.0.1/', 'HTTP://evil.example/', 'https://x', '', '*', '\\'),
    fc.array(fc.tuple(segment, separator), { maxLength: 8 }),
    segment,
    fc.option(fc.constantFrom('?', '?a=1', '?../../secret.txt', '?%00', '#frag', '?x#y'), { nil: undefined }),
  )
  .map(([start, middle, last, query]) => start + middle.map(([s, sep]) => s + sep).join('') + last + (query ?? ''));

// Tens of KB (past Node's header limit) and just under it; the tiny inputs are in pathTarget.
const hugeTarget = fc
  .tuple(
    fc.constantFrom('..%2f', '%2e%2e/', '../', 'a/', '%252e', '%c0%ae', '//', 'x'),
    fc.constantFrom(1_000, 3_000, 4_000, 10_000, 20_000),
    fc.constantFrom('secret.txt', 'hello.txt', ''),
  )
  .map(([unit, count, tail]) => ('/' + unit.repeat(Math.ceil(count / unit.length))).slice(0, count) + tail);

// Mostly real names, so requests get past the decoder to the backend, the symlinks and the redirects.
const realName = fc.constantFrom(
  'docs',
  'guide',
  'more',
  'deeper.txt',
  'deep.md',
  'index.html',
  'hello.txt',
  'empty.txt',
  'medium.bin',
  'empty-dir',
  'secret.txt',
  'link-dir',
  'link-parent',
  'link-inside.txt',
  'link-outside.txt',
  'link-dangling',
  'with%20space.txt',
  '%C3%BC%6E%C3%AF%63%C3%B8%64%C3%A9%20%E2%82%AC.txt',
  '100%25.txt',
  'a%23b%3Fc.txt',
  '.',
  '',
  'missing',
);
const nearTarget = fc
  .tuple(
    fc.array(fc.tuple(realName, fc.constantFrom('/', '/', '/', '//', '/./')), { maxLength: 5 }),
    fc.oneof(realName, realName, segment),
    fc.option(fc.tuple(fc.nat(5), segment), { nil: undefined }),
    fc.boolean(),
  )
  .map(([middle, last, trick, slash]) => {
    const parts = middle.map(([name, sep]) => name + sep);
    if (trick !== undefined) parts.splice(trick[0] % (parts.length + 1), 0, trick[1] + '/');
    return '/' + parts.join('') + last + (slash ? '/' : '');
  });

const target = fc.oneof({ weight: 5, arbitrary: pathTarget }, { weight: 5, arbitrary: nearTarget }, { weight: 1, arbitrary: hugeTarget });

const bigNumber = fc.constantFrom('99999999999999999999', '18446744073709551616', '9007199254740993', '9007199254740991', '1e3', '0x10', '00000000000000000000000001', '+5');
const position = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 70_000 }).map(String) },
  { weight: 1, arbitrary: bigNumber },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '-1', '-0', '1.5', 'a') },
);
const ws = fc.constantFrom('', '', '', ' ', '\t', '  ');

const rangeSpec = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(position, ws, position).map(([a, w, b]) => `${a}${w}-${w}${b}`) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 2000 }), fc.nat({ max: 2000 })).map(([a, b]) => `${a}-${a + b}`) },
  { weight: 2, arbitrary: position.map((n) => `-${n}`) },
  { weight: 1, arbitrary: position.map((n) => `${n}-`) },
  { weight: 1, arbitrary: fc.constantFrom('', '-', '--5', '5--', '-5-3', '5-3', '1-2-3', 'x', '0-0', '0-', '-0', ' 0 - 1 ', '=', 'bytes=0-1') },
);

const manyRanges = fc
  .tuple(fc.constantFrom(500, 1_000, 2_000, 3_000), fc.constantFrom('0-0', '1-1', '0-', '-1', '5-9', '0-99999999999999999999', '-99999999999999999999'))
  // As many as fit under Node's 16 KiB head limit: past it Node answers 431 before the handler runs.
  .map(([n, spec]) => Array.from({ length: Math.min(n, Math.floor(15_000 / (spec.length + 1))) }, () => spec).join(','));

const rangeHeader = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom('bytes=', 'bytes=', 'bytes=', 'bytes=', 'bytes=', 'bytes=', 'Bytes=', 'BYTES=', ' bytes=', 'bytes =', 'bytes= ', 'items=', 'bytes', '', 'none=', 'bytes=,'),
        fc.array(rangeSpec, { minLength: 0, maxLength: 12 }),
        fc.constantFrom(',', ',', ', ', ' ,', ',,'),
      )
      .map(([unit, specs, sep]) => unit + specs.join(sep)),
  },
  { weight: 1, arbitrary: manyRanges.map((s) => 'bytes=' + s) },
  // eslint-disable-next-line no-control-regex -- strips control characters from generated values on purpose
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, '')) },
);

// ---------------------------------------------------------------- response checks

interface Facts {
  files: Map<string, Buffer>;
  hashes: Set<string>;
  secret: Buffer;
  hostPaths: string[];
}

/** The invariants every response must hold, whatever was asked. */
function checkAny(r: RawResponse, method: string, f: Facts, what: string): void {
  expect(r.status, what).toBeGreaterThanOrEqual(200);
  expect(r.status, what).toBeLessThan(500);
  expect(r.body.includes(f.secret), `${what}: the outside secret leaked`).toBe(false);
  const text = r.body.toString('latin1');
  for (const p of f.hostPaths) expect(text.includes(p), `${what}: a host path leaked`).toBe(false);
  const cl = r.headers['content-length'];
  if (cl !== undefined) expect(/^\d+$/.test(cl), `${what}: Content-Length ${cl}`).toBe(true);
  if (method === 'HEAD' || r.status === 304 || r.status === 204) expect(r.body.length, what).toBe(0);
  else if (cl !== undefined) expect(r.body.length, `${what}: Content-Length vs bytes received`).toBe(Number(cl));
  else expect(r.headers['transfer-encoding'], `${what}: no Content-Length and no chunking`).toBeUndefined();
  if (method === 'GET' && (r.status === 200 || r.status === 206)) expect(cl, `${what}: a ${r.status} without Content-Length`).toBeDefined();
  // A file (it has an ETag) is served only as the bytes of some regular file inside the root.
  if (method === 'GET' && r.status === 200 && r.headers['etag'] !== undefined) {
    expect(f.hashes.has(sha(r.body)), `${what}: a 200 body that is no file of the root`).toBe(true);
  }
  const location = r.headers['location'];
  if (location !== undefined) {
    // Relative and on this host: no scheme, no network-path reference (an open redirect).
    expect(/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location), `${what}: Location ${location}`).toBe(false);
    expect(/^[/\\]{2}/.test(location) || /^\/\\/.test(location), `${what}: Location ${location}`).toBe(false);
  }
}

/** A 200 or 206 of `file` must carry exactly the bytes it claims; returns the body size. */
function checkFileBody(r: RawResponse, method: string, file: Buffer, header: string | undefined, what: string): void {
  if (method !== 'GET') return;
  if (r.status === 200) {
    expect(r.body.equals(file), `${what}: 200 is not the whole file`).toBe(true);
    return;
  }
  if (r.status !== 206) return;
  const type = r.headers['content-type'] ?? '';
  const commas = (header ?? '').split(',').length;
  if (type.startsWith('multipart/byteranges')) {
    const boundary = /boundary=([^\s;]+)/.exec(type)![1]!;
    const parts = multipartParts(r.body, boundary);
    expect(parts.length, what).toBeGreaterThan(1);
    // Bounded: no more parts than the header names, and (Go's rule) never more file bytes than the file.
    expect(parts.length, what).toBeLessThanOrEqual(commas);
    let sum = 0;
    for (const p of parts) {
      const [span, size] = p.range.split('/') as [string, string];
      const [start, last] = span.split('-').map(Number) as [number, number];
      expect(Number(size), what).toBe(file.length);
      expect(start <= last && last < file.length, `${what}: part ${p.range}`).toBe(true);
      expect(p.body.equals(file.subarray(start, last + 1)), `${what}: part ${p.range} is not that slice`).toBe(true);
      sum += last - start + 1;
    }
    expect(sum, `${what}: ranges summing past the file must get the whole file`).toBeLessThanOrEqual(file.length);
    expect(r.body.length, what).toBeLessThanOrEqual(file.length + parts.length * (boundary.length + 120) + 200);
    return;
  }
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.headers['content-range'] ?? '');
  expect(m, `${what}: Content-Range ${r.headers['content-range']}`).not.toBeNull();
  const start = Number(m![1]);
  const last = Number(m![2]);
  expect(Number(m![3]), what).toBe(file.length);
  expect(start <= last && last < file.length, what).toBe(true);
  expect(r.body.equals(file.subarray(start, last + 1)), `${what}: 206 is not bytes ${start}-${last}`).toBe(true);
}

// ---------------------------------------------------------------- the suites

for (const backend of backends) {
  describe(`hostile requests over ${backend.name}`, () => {
    let fixture: Fixture;
    let fs: FileSystem;
    let server: Server;
    let port = 0;
    let facts: Facts;
    const failures: RequestLog[] = [];
    // Bytes of the largest response seen per property: recorded, never timed.
    const largest: Record<string, number> = {};
    // And how often each status came back, to show the generators reach past the 400s.
    const statuses: Record<string, Record<number, number>> = {};
    const record = (name: string, r: RawResponse): void => {
      largest[name] = Math.max(largest[name] ?? 0, r.body.length);
      const counts = (statuses[name.split(' ')[0]!] ??= {});
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    };

    beforeAll(async () => {
      fixture = await createFixture();
      // Strong validators, as a file untouched for a second has: the If-Range property expects them.
      await untilValidatorsStrong(Date.now());
      fs = await backend.make(fixture.root);
      // A 5xx, or an error behind a 2xx/3xx (a body cut short), is a failure; a 4xx may log its cause.
      const logger = (e: RequestLog): void => void (e.status >= 500 || (e.error !== undefined && e.status < 400) ? failures.push(e) : undefined);
      ({ server, port } = await listen(createHandler(fs, { logger })));
      const files = await regularFiles(fixture.root);
      facts = {
        files,
        hashes: new Set([...files.values()].map(sha)),
        secret: Buffer.from(fixture.secret),
        hostPaths: [fixture.root, dirname(fixture.secretPath), fixture.secretPath],
      };
      // Sanity: the secret really is outside the root and absent from every file inside it.
      expect(fixture.secretPath.startsWith(fixture.root)).toBe(false);
      for (const b of files.values()) expect(b.includes(facts.secret)).toBe(false);
      expect((await stat(fixture.secretPath)).size).toBe(fixture.secret.length);
    });
    afterAll(async () => {
      await close(server);
      await fs?.close();
      await fixture?.remove();
      console.log(`hostile ${backend.name}: seed ${SEED}, largest bodies ${JSON.stringify(largest)}, statuses ${JSON.stringify(statuses)}`);
    });

    // After each property: a plain request still works and nothing was logged as a failure.
    async function stillServing(): Promise<void> {
      const r = await request(port, '/hello.txt');
      expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
      expect(failures.map((e) => `${e.status} ${e.method} ${e.url.slice(0, 120)} ${String(e.error).slice(0, 200)}`)).toEqual([]);
    }

    const params = { numRuns: RUNS, seed: SEED, endOnFailure: true } as const;

    it('paths: no trick reaches outside the root, and nothing breaks', async () => {
      await fc.assert(
        fc.asyncProperty(target, fc.constantFrom('GET', 'GET', 'GET', 'HEAD'), async (t, method) => {
          const head = `${method} ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
          let r: RawResponse;
          try {
            r = await rawRequest(port, head);
          } catch (err) {
            // Only an oversized head may be cut off by Node before it reads the whole thing.
            const code = (err as { code?: string }).code;
            if (Buffer.byteLength(head) > NODE_MAX_HEADER && (code === 'ECONNRESET' || code === 'EPIPE')) return;
            throw err;
          }
          if (Buffer.byteLength(head) > NODE_MAX_HEADER) expect(r.status).toBe(431);
          checkAny(r, method, facts, `${method} ${t.slice(0, 300)}`);
          record('paths', r);
        }),
        params,
      );
      await stillServing();
    });

    it('equivalent spellings of a real path (escapes, //, /./) get the same answer as the path itself', async () => {
      const canonical = [
        '/',
        '/hello.txt',
        '/docs/',
        '/docs',
        '/docs/guide/deep.md',
        '/docs/index.html',
        '/link-dir/deep.md',
        '/link-inside.txt',
        '/link-outside.txt',
        '/link-parent/secret.txt',
        '/secret.txt',
        '/empty-dir/',
        '/with%20space.txt',
        '/100%25.txt',
        '/a%23b%3Fc.txt',
        '/%C3%BC%6E%C3%AF%63%C3%B8%64%C3%A9%20%E2%82%AC.txt',
        '/medium.bin',
        '/empty.txt',
        '/missing.txt',
        '/hello.txt/',
      ];
      const expected = new Map<string, RawResponse>();
      for (const c of canonical) expected.set(c, await request(port, c));
      const spelling = fc.tuple(fc.constantFrom(...canonical), fc.infiniteStream(fc.tuple(fc.nat(5), fc.boolean(), fc.constantFrom('/', '//', '/./', '///')))).map(([c, coins]) => {
        const it = coins[Symbol.iterator]();
        let out = '';
        for (let i = 0; i < c.length; i++) {
          const ch = c[i]!;
          const [roll, lower, sep] = it.next().value as [number, boolean, string]; // an infinite stream never returns
          // An existing escape is kept whole; any other character but '/' may be escaped (either hex case).
          if (ch === '%') {
            out += c.slice(i, i + 3);
            i += 2;
          } else if (ch === '/') out += i === 0 ? '/' : roll === 0 ? sep : '/';
          else if (roll < 2) {
            const hex = ch.charCodeAt(0).toString(16).padStart(2, '0');
            out += '%' + (lower ? hex : hex.toUpperCase());
          } else out += ch;
        }
        return { c, out };
      });
      await fc.assert(
        fc.asyncProperty(spelling, async ({ c, out }) => {
          const r = await request(port, out);
          const want = expected.get(c)!;
          const what = `${out} (as ${c})`;
          checkAny(r, 'GET', facts, what);
          expect(r.status, what).toBe(want.status);
          expect(r.body.equals(want.body), `${what}: another body`).toBe(true);
          // A relative Location is resolved against the URL the client asked for: compare where each lands.
          const lands = (location: unknown, from: string) => (typeof location === 'string' ? decodeURIComponent(new URL(location, `http://h${from}`).pathname) : location);
          expect(lands(r.headers['location'], out), what).toBe(lands(want.headers['location'], c));
          record('spellings', r);
        }),
        params,
      );
      await stillServing();
    });

    it('the plain attacks on the secret are all refused (the property above can fail)', async () => {
      for (const t of ['/../secret.txt', '/%2e%2e/secret.txt', '/link-outside.txt', '/link-parent/secret.txt', '//..%2fsecret.txt', '/%c0%ae%c0%ae/secret.txt']) {
        const r = await request(port, t);
        expect([400, 404], t).toContain(r.status);
        checkAny(r, 'GET', facts, t);
      }
    });

    it('Range: every 206 is the exact slices it claims, and the size stays bounded', async () => {
      const names = fc.constantFrom('/hello.txt', '/medium.bin', '/medium.bin', '/medium.bin', '/empty.txt', '/docs/guide/deep.md', '/large.bin');
      await fc.assert(
        fc.asyncProperty(names, rangeHeader, fc.constantFrom('GET', 'GET', 'GET', 'HEAD'), async (name, range, method) => {
          const r = await request(port, name, { Range: range }, method);
          const what = `${method} ${name} Range: ${range.slice(0, 200)}`;
          checkAny(r, method, facts, what);
          expect([200, 206, 416], what).toContain(r.status);
          const file = facts.files.get(name)!;
          checkFileBody(r, method, file, range, what);
          if (r.status === 416) expect(r.headers['content-range'], what).toBe(`bytes */${file.length}`);
          record(`range ${name}`, r);
        }),
        params,
      );
      await stillServing();
    });

    it('thousands of ranges: the whole file with 200 when they sum past it, else bounded multipart', async () => {
      const cases: Array<[string, string, number]> = [
        // 3000 single bytes of 14: the sum passes the size, so the whole file.
        ['/hello.txt', Array.from({ length: 3000 }, () => '0-0').join(','), 200],
        ['/medium.bin', Array.from({ length: 3000 }, () => '0-').join(','), 200],
        ['/medium.bin', Array.from({ length: 2 }, () => '0-99999999999999999999').join(','), 200],
        // 1000 distinct single bytes of a 64 KiB file: 206, one part each, bounded by the header size.
        ['/medium.bin', Array.from({ length: 1000 }, (_, i) => `${i * 60}-${i * 60}`).join(','), 206],
      ];
      for (const [name, specs, status] of cases) {
        const r = await request(port, name, { Range: 'bytes=' + specs });
        checkAny(r, 'GET', facts, name);
        expect(r.status).toBe(status);
        checkFileBody(r, 'GET', facts.files.get(name)!, specs, name);
        record('many ranges', r);
      }
      await stillServing();
    });

    it('conditional headers and If-Range: 200/206/304/412/416 only, and a 206 only when If-Range holds', async () => {
      const infos = new Map<string, { etag: string; mtime: number }>();
      for (const name of ['/hello.txt', '/medium.bin']) {
        const r = await request(port, name, {}, 'HEAD');
        infos.set(name, { etag: r.headers['etag']!, mtime: Date.parse(r.headers['last-modified']!) });
      }
      const name = fc.constantFrom('/hello.txt', '/medium.bin');
      const offset = fc.constantFrom(-86_400_000, -1000, 0, 0, 0, 999, 1000, 86_400_000, -1e15, 1e14);
      // A date relative to the file's mtime in one form; `exact` when it names Last-Modified itself.
      const dateText = fc.tuple(offset, fc.constantFrom('imf', 'rfc850', 'asctime', 'garbage', 'lower')).map(([d, form]) => ({
        // (mtime is whole seconds: it comes from Last-Modified; +999 ms still names the same second.)
        exact: (mtime: number): boolean => (form === 'imf' || form === 'rfc850' || form === 'asctime') && Math.floor((mtime + d) / 1000) * 1000 === mtime,
        text: (mtime: number): string => {
          const t = new Date(mtime + d);
          if (Number.isNaN(t.getTime())) return 'Thu, 01 Jan 1970 00:00:00 GMT';
          const imf = t.toUTCString();
          const [wd, dd, mon, yyyy, time] = imf.replace(',', '').split(' ') as [string, string, string, string, string];
          const long = { Sun: 'Sunday', Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday' }[wd] ?? wd;
          switch (form) {
            case 'imf':
              return imf;
            case 'rfc850':
              return `${long}, ${dd}-${mon}-${yyyy.slice(-2)} ${time} GMT`;
            case 'asctime':
              return `${wd} ${mon} ${String(Number(dd)).padStart(2, ' ')} ${time} ${yyyy}`;
            case 'lower':
              return imf.toLowerCase();
            default:
              return imf.replace('GMT', 'PST').slice(0, 20 + (Math.abs(d) % 8));
          }
        },
      }));
      const tag = fc.constantFrom('own', 'weak-own', 'other', 'weak-other', 'star', 'garbage', 'unquoted', 'empty');
      const tagText = (t: string, etag: string): string =>
        ({ own: etag, 'weak-own': `W/${etag}`, other: '"nope"', 'weak-other': 'W/"nope"', star: '*', garbage: 'xx"', unquoted: etag.slice(1, -1), empty: '' })[t] ?? '';
      const tagList = fc.array(tag, { minLength: 1, maxLength: 4 });
      const cond = fc.record(
        {
          ifMatch: tagList,
          ifNoneMatch: tagList,
          ifModifiedSince: dateText,
          ifUnmodifiedSince: dateText,
          ifRange: fc.oneof(
            tag.map((t) => ({ tag: t })),
            dateText.map((date) => ({ date })),
          ),
          range: fc.option(fc.constantFrom('bytes=0-3', 'bytes=2-', 'bytes=-4', 'bytes=0-0,5-6', 'bytes=99999-', 'bytes=0-99999999999999999999'), { nil: undefined }),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(name, cond, fc.constantFrom('GET', 'GET', 'HEAD'), async (n, c, method) => {
          const { etag, mtime } = infos.get(n)!;
          const h: Record<string, string> = {};
          if (c.ifMatch) h['If-Match'] = c.ifMatch.map((t) => tagText(t, etag)).join(', ');
          if (c.ifNoneMatch) h['If-None-Match'] = c.ifNoneMatch.map((t) => tagText(t, etag)).join(', ');
          if (c.ifModifiedSince) h['If-Modified-Since'] = c.ifModifiedSince.text(mtime);
          if (c.ifUnmodifiedSince) h['If-Unmodified-Since'] = c.ifUnmodifiedSince.text(mtime);
          if (c.ifRange) h['If-Range'] = 'tag' in c.ifRange ? tagText(c.ifRange.tag, etag) : c.ifRange.date.text(mtime);
          if (c.range) h['Range'] = c.range;
          const r = await request(port, n, h, method);
          const what = `${method} ${n} ${JSON.stringify(h)}`;
          checkAny(r, method, facts, what);
          expect([200, 206, 304, 412, 416], what).toContain(r.status);
          checkFileBody(r, method, facts.files.get(n)!, h['Range'], what);
          // If-Range holds only for the exact strong ETag or the exact Last-Modified date (RFC 9110 §13.1.5).
          if (c.ifRange !== undefined) {
            const holds = 'tag' in c.ifRange ? c.ifRange.tag === 'own' : c.ifRange.date.exact(mtime);
            if (!holds) expect(r.status, `${what}: 206 although If-Range does not hold`).not.toBe(206);
            const only = c.ifMatch === undefined && c.ifNoneMatch === undefined && c.ifModifiedSince === undefined && c.ifUnmodifiedSince === undefined;
            const satisfiable = c.range !== undefined && c.range !== 'bytes=99999-';
            if (holds && only && satisfiable) expect(r.status, `${what}: If-Range holds, so the Range applies`).toBe(206);
          }
          // 304 only where the client's validator matches: '*' or the ETag in If-None-Match, or a date.
          if (r.status === 304) expect(h['If-None-Match'] !== undefined || h['If-Modified-Since'] !== undefined, what).toBe(true);
          if (r.status === 304 && h['If-None-Match'] !== undefined)
            expect(/\*|"/.test(h['If-None-Match']) && (h['If-None-Match'].includes('*') || h['If-None-Match'].includes(etag.slice(1, -1))), what).toBe(true);
          record('conditional', r);
        }),
        params,
      );
      await stillServing();
    });
  });
}
