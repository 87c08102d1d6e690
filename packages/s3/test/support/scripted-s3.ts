/**
 * A tiny S3 endpoint on 127.0.0.1 for what s3rver cannot do: s3rver keeps objects as files, so keys
 * such as `a/../b`, `a//b` or `./x` collapse into other keys there (while real S3 stores them as
 * they are), and it ignores `If-Match`. This one holds objects in a Map exactly as named, answers
 * HeadObject, ranged GetObject (honouring If-Match), ListObjectsV2 (prefix, delimiter, max-keys,
 * continuation) and records every key and prefix it was asked for.
 * @module
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running scripted endpoint. */
export interface ScriptedS3 {
  readonly endpoint: string;
  /** The bucket's objects by key; change it at will. */
  readonly objects: Map<string, Uint8Array>;
  /** Every object key (HEAD/GET) and list prefix requested, in order. */
  readonly requested: string[];
  /** When set, every request is answered with this status and S3 error code. */
  failWith: { status: number; code: string } | undefined;
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const etagOf = (bytes: Uint8Array) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const MTIME = new Date('2024-01-02T03:04:05.000Z');

/**
 * Starts the endpoint with `objects` in bucket `bucket`.
 *
 * @example
 * ```ts
 * const s3 = await startScriptedS3({ 'site/a/../x': 'hostile' });
 * const fs = new S3FS({ bucket: 'bucket', prefix: 'site/', client: clientFor(s3.endpoint) });
 * ```
 */
export async function startScriptedS3(objects: Record<string, string | Uint8Array>, bucket = 'bucket'): Promise<ScriptedS3> {
  const state: ScriptedS3 = {
    endpoint: '',
    objects: new Map(Object.entries(objects).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v])),
    requested: [],
    failWith: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => answer(state, bucket, req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(state, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return state;
}

function fail(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

function answer(state: ScriptedS3, bucket: string, req: IncomingMessage, res: ServerResponse): void {
  if (state.failWith) return fail(res, state.failWith.status, state.failWith.code);
  const url = new URL(req.url ?? '/', 'http://x');
  const [, name, ...rest] = url.pathname.split('/');
  if (name !== bucket) return fail(res, 404, 'NoSuchBucket');
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return list(state, bucket, url.searchParams, res);
  const key = rest.map((s) => decodeURIComponent(s)).join('/');
  state.requested.push(key);
  const bytes = state.objects.get(key);
  if (bytes === undefined) return req.method === 'HEAD' ? void res.writeHead(404).end() : fail(res, 404, 'NoSuchKey');
  const etag = etagOf(bytes);
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== etag) return req.method === 'HEAD' ? void res.writeHead(412).end() : fail(res, 412, 'PreconditionFailed');
  const headers = { etag, 'last-modified': MTIME.toUTCString(), 'accept-ranges': 'bytes' };
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (req.method === 'HEAD' || !range) return void res.writeHead(200, { ...headers, 'content-length': bytes.length }).end(req.method === 'HEAD' ? undefined : bytes);
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), bytes.length - 1);
  if (start >= bytes.length) return fail(res, 416, 'InvalidRange');
  res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${bytes.length}` }).end(bytes.subarray(start, end + 1));
}

function list(state: ScriptedS3, bucket: string, query: URLSearchParams, res: ServerResponse): void {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Number(query.get('max-keys') ?? 1000);
  const after = query.get('continuation-token') ?? '';
  state.requested.push(`list:${prefix}`);
  const keys = [...state.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const contents: string[] = [];
  const prefixes = new Set<string>();
  let last = '';
  let truncated = false;
  for (const key of keys) {
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    if (common !== undefined && prefixes.has(common)) continue;
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) prefixes.add(common);
    else {
      const bytes = state.objects.get(key)!;
      contents.push(`<Contents><Key>${xml(key)}</Key><LastModified>${MTIME.toISOString()}</LastModified><ETag>${xml(etagOf(bytes))}</ETag><Size>${bytes.length}</Size></Contents>`);
    }
    last = common ?? key;
  }
  const next = truncated ? `<NextContinuationToken>${xml(last + '\uffff')}</NextContinuationToken>` : '';
  const body = [...contents, ...[...prefixes].map((p) => `<CommonPrefixes><Prefix>${xml(p)}</Prefix></CommonPrefixes>`)].join('');
  res
    .writeHead(200, { 'content-type': 'application/xml' })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount><IsTruncated>${truncated}</IsTruncated>${next}${body}</ListBucketResult>`,
    );
}
