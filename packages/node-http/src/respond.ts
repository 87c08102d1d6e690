/**
 * The pure core: request facts and file metadata in, `{ status, headers, body }` out. No I/O here,
 * so every rule is testable without a socket and another server adapter is a small file.
 * @module
 */
import type { ContentCoding, FileInfo } from '@hotfs/core';
import { contentTypeByName } from './content-type.js';
import { formatHttpDate } from './http-date.js';
import { evaluatePreconditions, type ConditionalHeaders } from './preconditions.js';
import { parseRange, sumRanges, type ByteRange } from './range.js';
import type { ResolvedOptions } from './options.js';
import { applyHeaderRules } from './header-rules.js';

/** What the core needs to know about a request (header values as received, undefined when absent). */
export interface RequestFacts extends ConditionalHeaders {
  method: string;
  range?: string | undefined;
  accept?: string | undefined;
  acceptEncoding?: string | undefined;
}

/** A body part: literal bytes, or bytes `[start, end)` of the file being served. */
export type Part = Uint8Array | FileSlice;

/** Bytes `[start, end)` of the file being served. */
export interface FileSlice {
  start: number;
  end: number;
}

/**
 * A response to send. `headers` is a flat `[name, value, …]` list (Node's `writeHead` takes it
 * as is). `body` is undefined for no body (HEAD, 304, redirects); a 200/206 of a file names the
 * file slices to send, so the adapter reads only what goes on the wire.
 */
export interface Plan {
  status: number;
  headers: readonly string[];
  body: readonly Part[] | undefined;
  /** A 404 or 405 a middleware may pass on to the next handler. */
  miss?: boolean;
  /** The Content-Type is unknown: sniff the file's first bytes, then plan again. */
  needsType?: boolean;
}

/**
 * Headers of one file version, computed once and cached per `FileInfo` object (backends that
 * return the same frozen object per version make every later request a cache hit).
 */
export interface FileMeta {
  size: number;
  mtimeMs: number;
  /** The ETag as sent: `"…"` when strong, `W/"…"` when weak. */
  etag: string;
  /** undefined until sniffed when the name has no known type. */
  contentType: string | undefined;
  /** Full 200 header list (undefined while the type is unknown). */
  ok: readonly string[] | undefined;
  /** Headers of a 304: validators and caching, never the content headers. */
  notModified: readonly string[];
  /** The body of a whole-file GET (undefined for an empty file). */
  whole: readonly Part[] | undefined;
  /** With header rules: the hotfs path the headers were computed for (they depend on it). */
  path?: string;
  /** How the body is encoded when it is an encoded variant (`Content-Encoding`); absent for identity. */
  encoding?: ContentCoding;
}

const encoder = new TextEncoder();

/**
 * Computes the cacheable metadata of a file version. `contentType` overrides the name lookup;
 * `path` (the hotfs path served) is given when there are header rules. `encoding` is set when the
 * answer was negotiated on `Accept-Encoding` (RFC 9110 §12.5.5: then every answer says
 * `Vary: Accept-Encoding`, 304s included): `'identity'` for the file as it is, a coding for an
 * encoded variant (`info` is then the variant's, `contentType` the original's).
 */
export function fileMeta(info: FileInfo, o: ResolvedOptions, contentType = contentTypeByName(info.name), path?: string, encoding?: ContentCoding | 'identity'): FileMeta {
  const etag = quoteEtag(info);
  const lastModified = info.mtimeMs > 0 ? formatHttpDate(info.mtimeMs) : undefined;
  const common: string[] = ['ETag', etag];
  if (encoding !== undefined) common.push('Vary', 'Accept-Encoding');
  if (o.cacheControl !== undefined) common.push('Cache-Control', o.cacheControl);
  common.push(...o.extraHeaders);
  if (path !== undefined && o.headerRules !== undefined) common.push(...applyHeaderRules(common.splice(2), o.headerRules, path));
  const notModified = Object.freeze(common.slice());
  let ok: readonly string[] | undefined;
  if (contentType !== undefined) {
    const h = ['Accept-Ranges', 'bytes', 'Content-Length', String(info.size), 'Content-Type', contentType, 'X-Content-Type-Options', 'nosniff'];
    if (encoding !== undefined && encoding !== 'identity') h.push('Content-Encoding', encoding);
    if (lastModified !== undefined) h.push('Last-Modified', lastModified);
    ok = Object.freeze(h.concat(common));
  }
  const whole = info.size > 0 ? Object.freeze([Object.freeze({ start: 0, end: info.size })]) : undefined;
  return Object.freeze({
    size: info.size,
    mtimeMs: info.mtimeMs,
    etag,
    contentType,
    ok,
    notModified,
    whole,
    ...(path === undefined ? {} : { path }),
    ...(encoding === undefined || encoding === 'identity' ? {} : { encoding }),
  });
}

/**
 * The ETag to send: the backend's strong one quoted (`"…"`), else its weak one as `W/"…"`, else
 * a weak tag of size and mtime. That last one is weak because a same-size rewrite within one
 * millisecond of file time keeps it, and a strong tag must never name two contents.
 */
/** The ETag a version of a file is sent with (`"…"`, or `W/"…"` when weak). */
export function quoteEtag(info: FileInfo): string {
  if (usableEtag(info.etag)) return `"${info.etag}"`;
  if (usableEtag(info.weakEtag)) return `W/"${info.weakEtag}"`;
  return `W/"${info.size.toString(36)}-${Math.max(0, info.mtimeMs).toString(36)}"`;
}

/** Whether a backend's tag can be sent as an entity-tag (RFC 9110 §8.8.3: etagc only, bounded). */
export function usableEtag(e: unknown): e is string {
  return typeof e === 'string' && e !== '' && e.length <= 200 && isEtagText(e);
}

// etagc: %x21 / %x23-7E (no quote, no space, no control, ASCII so Node accepts it in a header).
function isEtagText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c === 0x22 || c > 0x7e) return false;
  }
  return true;
}

const NO_HEADERS: readonly string[] = Object.freeze([]);

/**
 * Plans the answer to a GET or HEAD of a file: preconditions (304/412), then Range (206, multipart
 * 206, 416, or the whole file when Range is unusable), else 200.
 */
export function planFile(facts: RequestFacts, meta: FileMeta, boundary: string): Plan {
  const head = facts.method === 'HEAD';
  // Fast path: a plain GET or HEAD with nothing conditional is the common case.
  if (facts.range === undefined && facts.ifNoneMatch === undefined && facts.ifModifiedSince === undefined && facts.ifMatch === undefined && facts.ifUnmodifiedSince === undefined) {
    if (meta.ok === undefined) return { status: 200, headers: NO_HEADERS, body: undefined, needsType: true };
    return { status: 200, headers: meta.ok, body: head ? undefined : meta.whole };
  }
  const pre = evaluatePreconditions(facts, meta, true);
  if (pre.outcome === 'not-modified') return { status: 304, headers: meta.notModified, body: undefined };
  if (pre.outcome === 'failed') return precondFailed(meta);
  const size = meta.size;
  // A Range on an empty file is ignored: there is nothing to slice.
  const ranges = pre.useRange && size > 0 ? parseRange(facts.range, size) : undefined;
  if (ranges === 'invalid' || ranges === 'unsatisfiable') return rangeNotSatisfiable(size);
  if (meta.ok === undefined || meta.contentType === undefined) return { status: 200, headers: NO_HEADERS, body: undefined, needsType: true };
  // Go's abuse guard: ranges adding up to more than the file get the whole file instead.
  if (ranges === undefined || sumRanges(ranges) > size) {
    return { status: 200, headers: meta.ok, body: head ? undefined : meta.whole };
  }
  const base = withoutLength(meta.ok);
  if (ranges.length === 1) {
    const r = ranges[0]!;
    const headers = base.concat('Content-Range', contentRange(r, size), 'Content-Length', String(r.end - r.start + 1));
    return { status: 206, headers, body: head ? undefined : [{ start: r.start, end: r.end + 1 }] };
  }
  // A multipart body under Content-Encoding would be decoded whole by the client and fail: an encoded
  // variant gets its one range, or else all of it.
  if (meta.encoding !== undefined) return { status: 200, headers: meta.ok, body: head ? undefined : meta.whole };
  const { parts, length } = multipart(ranges, size, meta.contentType, boundary);
  const headers = withoutType(base).concat('Content-Type', `multipart/byteranges; boundary=${boundary}`, 'Content-Length', String(length));
  return { status: 206, headers, body: head ? undefined : parts };
}

/** Builds the parts of a `multipart/byteranges` body and its exact length. */
function multipart(ranges: readonly ByteRange[], size: number, type: string, boundary: string): { parts: Part[]; length: number } {
  const parts: Part[] = [];
  let length = 0;
  ranges.forEach((r, i) => {
    const head = encoder.encode(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Range: ${contentRange(r, size)}\r\nContent-Type: ${type}\r\n\r\n`);
    parts.push(head, { start: r.start, end: r.end + 1 });
    length += head.length + r.end - r.start + 1;
  });
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  parts.push(tail);
  return { parts, length: length + tail.length };
}

function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}

function withoutLength(h: readonly string[]): string[] {
  return without(h, 'Content-Length');
}

function withoutType(h: readonly string[]): string[] {
  return without(h, 'Content-Type');
}

function without(h: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (h[i] !== name) out.push(h[i]!, h[i + 1]!);
  return out;
}

function precondFailed(meta: FileMeta): Plan {
  const h = ['ETag', meta.etag];
  if (meta.mtimeMs > 0) h.push('Last-Modified', formatHttpDate(meta.mtimeMs));
  h.push('Content-Length', '0');
  return { status: 412, headers: h, body: undefined };
}

function rangeNotSatisfiable(size: number): Plan {
  const e = errorPlan(416);
  return { status: 416, headers: e.headers.concat('Content-Range', `bytes */${size}`), body: e.body };
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'page not found',
  405: 'Method Not Allowed',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const errorPlans = new Map<number, Plan>();

/**
 * A plain-text error with a fixed, generic body (`404 page not found` as Go says it). Built once
 * per status: errors never carry a path, a Node message or a stack.
 */
export function errorPlan(status: number): Plan {
  let plan = errorPlans.get(status);
  if (plan === undefined) {
    // A Buffer, not a plain Uint8Array: a socket write wraps a plain one in a new Buffer every time.
    const body = Buffer.from(`${status} ${reasons[status] ?? 'Error'}\n`);
    const headers = ['Content-Type', 'text/plain; charset=utf-8', 'X-Content-Type-Options', 'nosniff', 'Content-Length', String(body.length)];
    if (status === 405) headers.push('Allow', 'GET, HEAD');
    plan = Object.freeze({ status, headers: Object.freeze(headers), body: Object.freeze([body]), miss: status === 404 || status === 405 });
    errorPlans.set(status, plan);
  }
  return plan;
}

/** A 301 to a relative, already escaped Location (no body, as Go's localRedirect). */
export function redirectPlan(location: string): Plan {
  return { status: 301, headers: ['Location', location, 'Content-Length', '0'], body: undefined };
}

/** The status for a backend error code; anything unexpected is a generic 500. */
export function statusForCode(code: string | undefined): number {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return 404;
    case 'EACCES':
    case 'EPERM':
      return 403;
    case 'EINVAL':
      return 400;
    // Out of descriptors, or a source that cannot answer now (an unreachable object store): try again later.
    case 'EMFILE':
    case 'ENFILE':
    case 'EIO':
      return 503;
    default:
      return 500;
  }
}

/**
 * Plans a directory listing: If-Modified-Since against the directory's mtime (Go does the same),
 * then the page. `body` is the rendered HTML or JSON.
 */
export function planListing(facts: RequestFacts, dir: FileInfo, json: boolean, body: string, o: ResolvedOptions, path?: string): Plan {
  const common: string[] = ['Vary', 'Accept'];
  if (dir.mtimeMs > 0) common.push('Last-Modified', formatHttpDate(dir.mtimeMs));
  common.push(...(path !== undefined && o.headerRules !== undefined ? applyHeaderRules(o.extraHeaders, o.headerRules, path) : o.extraHeaders));
  if (facts.ifModifiedSince !== undefined && facts.ifNoneMatch === undefined) {
    const pre = evaluatePreconditions({ ifModifiedSince: facts.ifModifiedSince }, { etag: undefined, mtimeMs: dir.mtimeMs }, true);
    if (pre.outcome === 'not-modified') return { status: 304, headers: common, body: undefined };
  }
  const bytes = encoder.encode(body);
  const headers = [
    'Content-Type',
    json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'Content-Length',
    String(bytes.length),
    'X-Content-Type-Options',
    'nosniff',
    ...common,
  ];
  return { status: 200, headers, body: facts.method === 'HEAD' ? undefined : [bytes] };
}
