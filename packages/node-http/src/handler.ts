/**
 * The Node adapter: `node:http` requests in, the core's plans out. Thin on purpose.
 * @module
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { release, type File, type FileSystem } from '@hotfs/core';
import { corsMethodNotAllowed, preflightPlan, withCors } from './cors.js';
import { decodeTarget } from './decode-path.js';
import type { LiveFeed } from './live.js';
import type { HandlerOptions } from './options.js';
import { errorPlan, type FileSlice, type Part, type Plan, type RequestFacts } from './respond.js';
import { createContext, serveContent, type ServeContext, type Served } from './serve.js';

/** A request handler for `node:http`, and Connect/Express middleware when given `next`. */
export type Handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/** Bytes per read when streaming from a backend without zero-copy access. */
export const CHUNK_SIZE = 1024 * 1024;

/**
 * Creates a handler serving `fs` with Go `http.FileServer` semantics (see the package README for
 * the deliberate differences).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { DiskFS } from '@hotfs/core';
 * import { createHandler } from '@hotfs/node-http';
 * createServer(createHandler(new DiskFS('./public'))).listen(8080, '127.0.0.1');
 * ```
 * @throws TypeError naming the first invalid option.
 */
export function createHandler(fs: FileSystem, options?: HandlerOptions): Handler {
  const ctx = createContext(fs, options);
  const handler: Handler = function hotfsHandler(req, res, next) {
    handle(ctx, req, res, next);
  };
  if (ctx.live !== undefined) liveFeeds.set(handler, ctx.live.feed);
  return handler;
}

const liveFeeds = new WeakMap<Handler, LiveFeed>();

/**
 * Ends the live reload streams `handler` has open (pages reconnect to whoever serves next). Those
 * streams never finish by themselves, so a server that waits for its responses needs this to close.
 */
export function endLiveStreams(handler: Handler): void {
  liveFeeds.get(handler)?.endAll();
}

// Synchronous from request to response whenever serveContent() answers at once (in-memory or
// small files, misses, redirects).
function handle(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, next: ((err?: unknown) => void) | undefined): void {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    const cors = ctx.options.cors;
    // As middleware, a preflight for a path outside the prefix is another route's to answer.
    if (cors !== undefined && method === 'OPTIONS' && !(ctx.options.fallthrough && next && !underPrefix(ctx, req.url ?? '/'))) {
      const h = req.headers;
      return finish(ctx, req, res, preflightPlan(cors, h.origin, h['access-control-request-method'], h['access-control-request-headers']), undefined, undefined);
    }
    if (ctx.options.fallthrough && next) return passOn(res, next);
    finish(ctx, req, res, cors === undefined ? errorPlan(405) : corsMethodNotAllowed(), undefined, undefined);
    return;
  }
  const target = req.url ?? '/';
  if (ctx.live?.feed.matches(target)) return serveLive(ctx, req, res);
  serveContent(ctx, new HeaderFacts(req, method), target, (served) => respond(ctx, req, res, next, served));
}

function underPrefix(ctx: ServeContext, target: string): boolean {
  const prefix = ctx.options.prefix;
  const path = decodeTarget(target)?.path;
  return path !== undefined && (prefix === '' || path === prefix || path.startsWith(prefix + '/'));
}

// The live reload event stream: open until the client leaves.
function serveLive(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): void {
  let error: unknown;
  try {
    ctx.live!.feed.serveNode(req, res);
  } catch (err) {
    error = err;
    if (!res.headersSent) finish500(res);
    else res.destroy();
  }
  if (ctx.options.logger) log(ctx, req, { status: res.statusCode, headers: [], body: undefined }, error);
}

/**
 * The request facts, read from the headers on demand: Node parses `req.headers` only when it is first
 * touched, so a miss, a redirect or a 400 never pays for it.
 */
class HeaderFacts implements RequestFacts {
  constructor(
    private readonly req: IncomingMessage,
    readonly method: string,
  ) {}
  get range(): string | undefined {
    return this.req.headers.range;
  }
  get accept(): string | undefined {
    return this.req.headers.accept;
  }
  get acceptEncoding(): string | undefined {
    return this.req.headers['accept-encoding'];
  }
  get ifMatch(): string | undefined {
    return this.req.headers['if-match'];
  }
  get ifNoneMatch(): string | undefined {
    return this.req.headers['if-none-match'];
  }
  get ifModifiedSince(): string | undefined {
    return this.req.headers['if-modified-since'];
  }
  get ifUnmodifiedSince(): string | undefined {
    return this.req.headers['if-unmodified-since'];
  }
  get ifRange(): string | undefined {
    return this.req.headers['if-range'] as string | undefined;
  }
}

function respond(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, next: ((err?: unknown) => void) | undefined, served: Served): void {
  const { plan, file, error } = served;
  if (plan.miss === true && ctx.options.fallthrough && next) {
    if (file !== undefined) release(file);
    return passOn(res, next);
  }
  finish(ctx, req, res, plan, file, error);
}

// Synchronous whenever the body is in memory (errors, listings, zero-copy backends): the common
// path then costs no extra promise. Only streaming from a backend without bytes() goes async.
function finish(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, plan: Plan, file: File | undefined, error: unknown): void {
  const cors = ctx.options.cors;
  // Origin is read only when the answer depends on it: a list of origins.
  if (cors !== undefined) plan = withCors(plan, cors, cors.origins === undefined ? undefined : req.headers.origin);
  const body = plan.body;
  try {
    writeHead(res, plan);
    if (body === undefined) res.end();
    else if (file === undefined || file.bytes) {
      const last = body.length - 1;
      for (let i = 0; i < last; i++) res.write(inMemory(body[i]!, file));
      res.end(inMemory(body[last]!, file));
    } else {
      void stream(ctx, req, res, plan, file, error);
      return;
    }
  } catch (err) {
    error ??= err;
    res.destroy();
  }
  if (file !== undefined) release(file);
  if (ctx.options.logger) log(ctx, req, plan, error);
}

// A throwing logger must not become an unhandled rejection that takes the server down.
function log(ctx: ServeContext, req: IncomingMessage, plan: Plan, error: unknown): void {
  try {
    ctx.options.logger!({ method: req.method ?? '', url: req.url ?? '', status: plan.status, ...(error === undefined ? {} : { error }) });
  } catch {
    // Nothing sensible to do: the response is already sent.
  }
}

// The next handler's own failures are its business; they must not escape as an unhandled rejection.
function passOn(res: ServerResponse, next: (err?: unknown) => void): void {
  try {
    next();
  } catch {
    if (!res.headersSent) finish500(res);
    else res.destroy();
  }
}

function finish500(res: ServerResponse): void {
  const plan = errorPlan(500);
  res.writeHead(plan.status, plan.headers as string[]);
  res.end(plan.body![0]);
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- only compared by identity, never called
const nativeWriteHead = ServerResponse.prototype.writeHead;

// Node takes the flat header list as is. Middleware that wraps writeHead (on-headers, used by morgan
// and compression) expects objects or [name, value] pairs, so it gets the headers one by one instead.
function writeHead(res: ServerResponse, plan: Plan): void {
  if (res.writeHead === nativeWriteHead) {
    res.writeHead(plan.status, plan.headers as string[]);
    return;
  }
  const h = plan.headers;
  for (let i = 0; i < h.length; i += 2) res.setHeader(h[i]!, h[i + 1]!);
  res.writeHead(plan.status);
}

// Zero-copy: a view of the backend's bytes goes straight to the socket.
function inMemory(part: Part, file: File | undefined): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (file?.bytes === undefined) throw new Error('plan has a file slice but no file');
  const bytes = file.bytes();
  const view = part.start === 0 && part.end === bytes.length ? bytes : bytes.subarray(part.start, part.end);
  if (view.length !== part.end - part.start) throw new Error('file changed size while being served');
  return view;
}

// Multipart bodies are written whole; only the file slices between their headers are read.
async function stream(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, plan: Plan, file: File, error: unknown): Promise<void> {
  const body = plan.body!;
  try {
    for (let i = 0; i < body.length; i++) {
      const part = body[i]!;
      const last = i === body.length - 1;
      if (part instanceof Uint8Array) {
        if (last) res.end(part);
        else if (!res.write(part)) await drained(res);
      } else {
        await streamSlice(res, part, file, last);
      }
      if (res.destroyed) break;
    }
  } catch (err) {
    // Headers are gone: the only honest signal left is a cut connection.
    error ??= err;
    res.destroy();
  } finally {
    release(file);
  }
  if (ctx.options.logger) log(ctx, req, plan, error);
}

async function streamSlice(res: ServerResponse, part: FileSlice, file: File, last: boolean): Promise<void> {
  let pos = part.start;
  while (pos < part.end) {
    if (res.destroyed) return;
    // A fresh buffer per chunk: the socket may still hold the previous one.
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, part.end - pos));
    let filled = 0;
    while (filled < buf.length) {
      const n = await file.read(buf.subarray(filled), pos + filled);
      if (n === 0) throw new Error('file shrank while being served');
      filled += n;
    }
    pos += filled;
    if (last && pos === part.end) res.end(buf);
    else if (!res.write(buf)) await drained(res);
  }
}

// Resolves on 'drain', or on 'close' when the client went away (then 'drain' never comes). A client
// that went away while the chunk was being read has already emitted 'close' (and write() returned
// false): waiting for it would hang the stream forever and leave its file open until a GC.
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
