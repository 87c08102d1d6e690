import { describe, expect, it } from 'vitest';
import { injectLive, injectsLive, liveEtag, liveScript, LivePages } from '../src/live-inject.js';
import { resolveOptions } from '../src/options.js';
import { fileMeta } from '../src/respond.js';

const snippet = Buffer.from('<script>S</script>');
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('injectLive (bytes in, bytes out)', () => {
  it.each([
    ['<html><body><p>x</p></body></html>', '<html><body><p>x</p><script>S</script></body></html>'],
    ['<BODY>a</BODY >\n', '<BODY>a<script>S</script></BODY >\n'],
    // The last </body> is the document's; an earlier one (in a comment, a script string) is not.
    ['<body><!-- </body> --></body>', '<body><!-- </body> --><script>S</script></body>'],
    ['<p>fragment without a body', '<p>fragment without a body<script>S</script>'],
    ['', '<script>S</script>'],
    ['</bod', '</bod<script>S</script>'],
  ])('%j', (html, expected) => {
    const input = Buffer.from(html);
    const out = injectLive(input, snippet);
    expect(text(out)).toBe(expected);
    expect(out.length).toBe(input.length + snippet.length);
    expect(text(input)).toBe(html);
  });

  it('keeps bytes that are not ASCII as they are', () => {
    const html = Buffer.from('<body>ünïcødé €</body>');
    expect(injectLive(html, snippet).toString()).toBe('<body>ünïcødé €<script>S</script></body>');
  });

  it('leaves a UTF-16 page alone (ASCII bytes would corrupt it)', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<body></body>', 'utf16le')]);
    expect(injectLive(le, snippet).equals(le)).toBe(true);
  });
});

describe('liveEtag', () => {
  it('keeps strong strong and weak weak, and differs from the original', () => {
    expect(liveEtag('"abc"', 'live1')).toBe('"abc-live1"');
    expect(liveEtag('W/"abc"', 'live1')).toBe('W/"abc-live1"');
  });
  it('hashes a tag that would grow past 200 characters', () => {
    const long = liveEtag(`"${'a'.repeat(199)}"`, 'live1');
    expect(long).toMatch(/^"[\w-]{43}"$/);
    expect(liveEtag(`W/"${'a'.repeat(199)}"`, 'live1')).toBe(`W/${long}`);
  });
});

describe('injectsLive', () => {
  const pages = new LivePages('/.hotfs/live');
  it.each([
    ['text/html; charset=utf-8', true],
    ['TEXT/HTML', true],
    ['text/html;charset=utf-8', true],
    ['text/htmlx', false],
    ['text/plain; charset=utf-8', false],
    ['application/xhtml+xml', false],
    ['image/svg+xml', false],
    [undefined, false],
  ])('%s: %s', (type, expected) => {
    expect(injectsLive(pages, type)).toBe(expected);
    expect(injectsLive(undefined, type)).toBe(false);
  });
});

describe('liveScript', () => {
  it('names the endpoint as a JS string that cannot close the script element', () => {
    const script = liveScript('/a</script>b/.hotfs/live');
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    expect(script).toContain('"/a\\u003c/script>b/.hotfs/live"');
    expect(script).toContain('new EventSource(');
  });
});

describe('LivePages.plan: the injected bytes as the representation', () => {
  const o = resolveOptions({});
  const html = Buffer.from('<html><body>hello</body></html>');
  const info = { name: 'index.html', size: html.length, mtimeMs: Date.parse('2024-01-01T00:00:00Z'), isDirectory: false, etag: 'v1' };
  const meta = fileMeta(info, o);
  const pages = new LivePages('/.hotfs/live');
  // The page's script names its file and version to the stream (see LiveFeed).
  const expected = injectLive(html, Buffer.from(liveScript('/.hotfs/live?page=%2Fa%20b%2Findex.html&etag=%22v1%22')));
  const get = (facts: Record<string, string> = {}) => pages.plan({ method: 'GET', ...facts }, meta, html, o, 'B', '/a b/index.html');
  const header = (h: readonly string[], name: string) => h[h.indexOf(name) + 1];
  const body = (plan: ReturnType<typeof get>) => Buffer.concat((plan.body ?? []) as Uint8Array[]);

  it('sends the injected bytes with their own length and a distinct ETag', () => {
    const plan = get();
    expect(plan.status).toBe(200);
    expect(body(plan).equals(expected)).toBe(true);
    expect(header(plan.headers, 'Content-Length')).toBe(String(expected.length));
    expect(header(plan.headers, 'ETag')).toMatch(/^"v1-live[\w-]{8}"$/);
    expect(header(plan.headers, 'Content-Type')).toBe('text/html; charset=utf-8');
    expect(header(plan.headers, 'Last-Modified')).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
  });

  it('answers ranges, If-Range, conditionals and HEAD against the injected bytes', () => {
    const etag = header(get().headers, 'ETag')!;
    const tail = get({ range: `bytes=-20` });
    expect([tail.status, header(tail.headers, 'Content-Range'), body(tail).toString()]).toEqual([
      206,
      `bytes ${expected.length - 20}-${expected.length - 1}/${expected.length}`,
      expected.subarray(-20).toString(),
    ]);
    expect(get({ range: 'bytes=0-3', ifRange: etag }).status).toBe(206);
    expect(get({ range: 'bytes=0-3', ifRange: meta.etag }).status).toBe(200);
    expect(get({ ifNoneMatch: etag }).status).toBe(304);
    expect(get({ ifNoneMatch: meta.etag }).status).toBe(200);
    const head = pages.plan({ method: 'HEAD' }, meta, html, o, 'B', '/a b/index.html');
    expect([head.body, header(head.headers, 'Content-Length')]).toEqual([undefined, String(expected.length)]);
  });

  it('builds once per version and keeps a weak tag weak', () => {
    expect(get().body![0]).toBe(get().body![0]);
    const weak = fileMeta({ ...info, etag: undefined, weakEtag: 'w1' }, o);
    const plan = pages.plan({ method: 'GET' }, weak, html, o, 'B', '/index.html');
    expect(header(plan.headers, 'ETag')).toMatch(/^W\/"w1-live[\w-]{8}"$/);
  });

  it('refuses bytes that are not the size the version announced', () => {
    const other = fileMeta({ ...info, etag: 'v2' }, o);
    expect(() => pages.plan({ method: 'GET' }, other, html.subarray(1), o, 'B', '/index.html')).toThrow(/changed size/);
  });
});
