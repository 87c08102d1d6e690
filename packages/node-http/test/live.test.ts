import { get, type IncomingMessage, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MapFS, MemFS } from '@hotfs/core';
import { createFetchHandler, createHandler, createServer, type HandlerOptions } from '../src/index.js';
import { close, listen, request, type RawResponse } from './client.js';

const PAGE = '<!doctype html><html><head><link rel="stylesheet" href="a.css"></head><body><p>one</p></body></html>';

/** An open event stream: its response head, and every event's data parsed as it arrives. */
interface Stream {
  res: IncomingMessage;
  events: Array<{ type: string; path: string; css: boolean }>;
  text: () => string;
  next(timeoutMs?: number): Promise<{ type: string; path: string; css: boolean }>;
  close(): void;
}

function openStream(port: number, path: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let raw = '';
      const events: Stream['events'] = [];
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        for (const m of chunk.matchAll(/^data: (.*)$/gm)) events.push(JSON.parse(m[1]!) as Stream['events'][number]);
        waiters.splice(0).forEach((w) => w());
      });
      let taken = 0;
      const next = (timeoutMs = 5000): Promise<Stream['events'][number]> =>
        new Promise((ok, fail) => {
          const check = (): void => {
            if (events.length > taken) {
              clearTimeout(timer);
              ok(events[taken++]!);
            } else waiters.push(check);
          };
          const timer = setTimeout(() => fail(new Error(`no event within ${timeoutMs} ms; got ${JSON.stringify(raw)}`)), timeoutMs);
          check();
        });
      resolve({ res, events, text: () => raw, next, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const withoutDate = (r: RawResponse) => ({ ...r, headers: { ...r.headers, date: '' }, names: r.names });

describe('live off: every response is what it was', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map(close));
    servers = [];
  });

  it('answers byte for byte as a handler without the option, and has no event stream', async () => {
    const fs = new MapFS({ '/index.html': PAGE, '/page.html': PAGE, '/a.css': 'p{color:red}', '/dir/x.txt': 'x', '/.hotfs/live': 'a file' });
    const ports: number[] = [];
    for (const options of [{}, { live: false }] as HandlerOptions[]) {
      const s = await listen(createHandler(fs, options));
      servers.push(s.server);
      ports.push(s.port);
    }
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['/', {}],
      ['/page.html', {}],
      ['/page.html', { range: 'bytes=10-20' }],
      ['/page.html', {}, 'HEAD'],
      ['/a.css', {}],
      ['/dir/', {}],
      ['/.hotfs/live', {}],
    ];
    for (const [target, headers, method] of cases) {
      const [a, b] = await Promise.all(ports.map((port) => request(port, target, headers, method)));
      expect(withoutDate(b!), target).toEqual(withoutDate(a!));
      expect(a!.body.toString()).not.toContain('EventSource');
    }
    expect((await request(ports[1]!, '/.hotfs/live')).status).toBe(404);
  });
});

describe('live option checks', () => {
  it('refuses live over a backend without a change feed, in both adapters', () => {
    const disk = new DiskFS(tmpdir());
    expect(() => createHandler(disk, { live: true })).toThrow(TypeError);
    expect(() => createHandler(disk, { live: true })).toThrow(/option 'live' needs a FileSystem with a change feed.*DiskFS has none/);
    expect(() => createFetchHandler(disk, { live: true })).toThrow(/option 'live'/);
    expect(() => createHandler(disk, { live: false })).not.toThrow();
  });
  it('refuses a live that is not a boolean', () => {
    expect(() => createHandler(new MapFS(), { live: 'yes' as never })).toThrow(/option 'live' must be a boolean; got "yes"/);
  });
});

describe('live on over MemFS (a temp dir, watched)', () => {
  let dir: string;
  let fs: MemFS;
  let server: Server;
  let port = 0;
  let plain: Server;
  let plainPort = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotfs-live-'));
    await writeFile(join(dir, 'index.html'), PAGE);
    await writeFile(join(dir, 'a.css'), 'p{color:red}');
    await writeFile(join(dir, 'note.txt'), 'plain text </body>\n');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'x.txt'), 'x');
    await writeFile(join(dir, 'sniffed'), '<html><body>sniffed</body></html>');
    // Past maxFileSize: served from the disk, without bytes(), so the page is read to be injected.
    await writeFile(join(dir, 'big.html'), `<body>${'big '.repeat(1000)}</body>`);
    fs = await MemFS.mirror(dir, { settleMs: 20, maxFileSize: 1000 });
    ({ server, port } = await listen(createHandler(fs, { prefix: '/memfs/', live: true })));
    ({ server: plain, port: plainPort } = await listen(createHandler(fs, { prefix: '/memfs/' })));
  });
  afterAll(async () => {
    await close(server);
    await close(plain);
    await fs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('injects the script into HTML with its own length and ETag; ranges, 304 and HEAD apply to it', async () => {
    const off = await request(plainPort, '/memfs/');
    const on = await request(port, '/memfs/');
    const body = on.body.toString();
    expect(body).toContain('<script data-hotfs-live>');
    expect(body).toContain(`new EventSource("/memfs/.hotfs/live?page=%2Findex.html&etag=${encodeURIComponent(off.headers.etag!)}")`);
    expect(body.endsWith('</script></body></html>')).toBe(true);
    expect(Number(on.headers['content-length'])).toBe(on.body.length);
    expect(on.body.length).toBeGreaterThan(off.body.length);
    expect(on.headers.etag).not.toBe(off.headers.etag);
    expect(on.headers.etag!.startsWith(off.headers.etag!.slice(0, -1))).toBe(true);
    const range = await request(port, '/memfs/', { range: 'bytes=-30' });
    expect([range.status, range.body.toString(), range.headers['content-range']]).toEqual([
      206,
      body.slice(-30),
      `bytes ${on.body.length - 30}-${on.body.length - 1}/${on.body.length}`,
    ]);
    expect((await request(port, '/memfs/', { range: 'bytes=0-9', 'if-range': off.headers.etag! })).status).toBe(200);
    expect((await request(port, '/memfs/', { 'if-none-match': on.headers.etag! })).status).toBe(304);
    expect((await request(port, '/memfs/', { 'if-none-match': off.headers.etag! })).status).toBe(200);
    const head = await request(port, '/memfs/', {}, 'HEAD');
    expect([head.headers['content-length'], head.headers.etag, head.body.length]).toEqual([on.headers['content-length'], on.headers.etag, 0]);
    const big = await request(port, '/memfs/big.html', { range: 'bytes=4000-' });
    expect(big.status).toBe(206);
    expect(big.body.toString()).toMatch(/^g big <script data-hotfs-live>.*<\/script><\/body>$/);
    const whole = await request(port, '/memfs/big.html');
    expect(whole.body.subarray(4000).equals(big.body)).toBe(true);
    expect(big.headers['content-range']).toBe(`bytes 4000-${whole.body.length - 1}/${whole.body.length}`);
  });

  it('never touches what is not HTML; listings get the script', async () => {
    // Sniffed content is never HTML: the sniffed page stays as it is.
    for (const path of ['/memfs/a.css', '/memfs/note.txt', '/memfs/sniffed']) {
      const [on, off] = await Promise.all([request(port, path), request(plainPort, path)]);
      expect(withoutDate(on), path).toEqual(withoutDate(off));
    }
    const [on, off] = await Promise.all([request(port, '/memfs/sub/'), request(plainPort, '/memfs/sub/')]);
    expect(off.body.toString()).toContain('Index of /memfs/sub/');
    // The listing page has no </body>: the script goes at the end, where the parser puts it into the body.
    expect(on.body.toString()).toBe(off.body.toString() + on.body.toString().match(/<script data-hotfs-live>.*?<\/script>/)![0]);
    expect(Number(on.headers['content-length'])).toBe(on.body.length);
    const json = await request(port, '/memfs/sub/', { accept: 'application/json' });
    expect(json.body.toString()).not.toContain('script');
  });

  it('sends a change once it is served, flags CSS, and drops a client that leaves', async () => {
    const before = fs.listenerCount('change');
    const stream = await openStream(port, '/memfs/.hotfs/live');
    expect([stream.res.statusCode, stream.res.headers['content-type'], stream.res.headers['cache-control']]).toEqual([200, 'text/event-stream', 'no-cache, no-transform']);
    await until(() => stream.text().startsWith('retry: 500\n\n'));
    expect(fs.listenerCount('change')).toBe(before + 1);
    const second = await openStream(port, '/memfs/.hotfs/live?x=1');
    expect(fs.listenerCount('change')).toBe(before + 1); // one subscription for all pages

    await writeFile(join(dir, 'a.css'), 'p{color:blue}');
    const css = await stream.next();
    expect(css).toEqual({ type: 'change', path: '/a.css', css: true });
    // Announced after the change is servable: a request made on the event sees the new content.
    expect((await request(port, '/memfs/a.css')).body.toString()).toBe('p{color:blue}');
    expect(await second.next()).toEqual(css);

    await writeFile(join(dir, 'index.html'), PAGE.replace('one', 'two'));
    expect(await stream.next()).toEqual({ type: 'change', path: '/index.html', css: false });
    expect((await request(port, '/memfs/')).body.toString()).toContain('<p>two</p>');

    stream.close();
    second.close();
    await until(() => fs.listenerCount('change') === before);
  });

  it('tells a page whose file changed before its stream connected to reload at once, and no other page', async () => {
    const before = fs.listenerCount('change');
    const streamOf = (page: string) => page.match(/new EventSource\("([^"]+)"\)/)![1]!;
    const first = (await request(port, '/memfs/')).body.toString();
    const same = await openStream(port, streamOf(first));
    await writeFile(join(dir, 'index.html'), PAGE.replace('one', 'three'));
    await until(() => same.events.length > 0); // announced to the page that was listening
    same.close();
    // The page loaded before the change connects only now (it was reloading, or the server restarted).
    const late = await openStream(port, streamOf(first));
    expect(await late.next()).toEqual({ type: 'change', path: '/index.html', css: false });
    late.close();
    // The current version connects and hears nothing until something changes.
    const current = (await request(port, '/memfs/')).body.toString();
    expect(current).toContain('<p>three</p>');
    const quiet = await openStream(port, streamOf(current));
    await writeFile(join(dir, 'note.txt'), 'another change, after the connect\n');
    expect(await quiet.next()).toEqual({ type: 'change', path: '/note.txt', css: false });
    expect(quiet.events).toHaveLength(1);
    quiet.close();
    // A gone page reloads too (it will show what the server has now); a query naming no page is plain.
    const gone = await openStream(port, '/memfs/.hotfs/live?page=%2Fnope.html&etag=%22x%22');
    expect(await gone.next()).toEqual({ type: 'change', path: '/nope.html', css: false });
    gone.close();
    await until(() => fs.listenerCount('change') === before);
  });

  it('server.close() of createServer ends the open streams instead of waiting for the pages', async () => {
    const before = fs.listenerCount('change');
    const s = createServer(fs, { live: true });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const stream = await openStream((s.address() as { port: number }).port, '/.hotfs/live');
    const ended = new Promise<void>((r) => stream.res.on('end', r));
    const started = Date.now();
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeIdleConnections();
    });
    await ended;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fs.listenerCount('change')).toBe(before);
  });
});

describe('live on, fetch adapter', () => {
  it('streams events in a Response body and unsubscribes when it is cancelled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-live-fetch-'));
    const fs = await MemFS.mirror(dir, { settleMs: 20 });
    try {
      const handle = createFetchHandler(fs, { live: true });
      const head = await handle(new Request('http://h/.hotfs/live', { method: 'HEAD' }));
      expect([head.status, head.headers.get('content-type'), head.body]).toEqual([200, 'text/event-stream', null]);
      const before = fs.listenerCount('change');
      const r = await handle(new Request('http://h/.hotfs/live'));
      expect(r.headers.get('content-type')).toBe('text/event-stream');
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      expect(decoder.decode((await reader.read()).value)).toBe('retry: 500\n\n');
      expect(fs.listenerCount('change')).toBe(before + 1);
      await writeFile(join(dir, 'page.html'), '<body>x</body>');
      expect(decoder.decode((await reader.read()).value)).toBe('data: {"type":"add","path":"/page.html","css":false}\n\n');
      const page = await handle(new Request('http://h/page.html'));
      const text = await page.text();
      expect(text).toMatch(/^<body>x<script data-hotfs-live>.*<\/script><\/body>$/);
      await reader.cancel();
      expect(fs.listenerCount('change')).toBe(before);
      // The page's own stream, after its file changed: told at once.
      await writeFile(join(dir, 'page.html'), '<body>y</body>');
      for (let i = 0; !(await (await handle(new Request('http://h/page.html'))).text()).includes('<body>y'); i++) {
        if (i > 250) throw new Error('page.html was not served changed within 5 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      const late = await handle(new Request(new URL(text.match(/new EventSource\("([^"]+)"\)/)![1]!, 'http://h/')));
      const lateReader = (late.body as ReadableStream<Uint8Array>).getReader();
      expect(decoder.decode((await lateReader.read()).value)).toBe('retry: 500\n\n');
      expect(decoder.decode((await lateReader.read()).value)).toBe('data: {"type":"change","path":"/page.html","css":false}\n\n');
      await lateReader.cancel();
    } finally {
      await fs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('live events', () => {
  it('leaves out dotfiles unless they are served, and reports removals as reloads', async () => {
    const fs = new MapFS({ '/a.css': 'x' });
    const { server, port } = await listen(createHandler(fs, { live: true }));
    const allowing = await listen(createHandler(fs, { live: true, dotfiles: 'allow' }));
    try {
      const stream = await openStream(port, '/.hotfs/live');
      const all = await openStream(allowing.port, '/.hotfs/live');
      await until(() => stream.text() !== '' && all.text() !== '');
      fs.set('/.env', 'secret');
      fs.delete('/a.css');
      expect(await stream.next()).toEqual({ type: 'unlink', path: '/a.css', css: false });
      expect(await all.next()).toEqual({ type: 'add', path: '/.env', css: false });
      stream.close();
      all.close();
    } finally {
      await close(server);
      await close(allowing.server);
    }
  });
});
