/**
 * The Node adapter: `node:http` requests in, the core's plans out. Thin on purpose.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { File, FileSystem } from '@hotfs/core';
import { resolveOptions, type HandlerOptions } from './options.js';
import { errorPlan, type Part, type Plan, type RequestFacts } from './respond.js';
import { serve, type ServeContext } from './serve.js';

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
  if (fs === null || typeof fs !== 'object' || typeof fs.open !== 'function' || typeof fs.stat !== 'function') {
    throw new TypeError('createHandler needs a FileSystem (an object with open, stat, readdir and close)');
  }
  const ctx: ServeContext = {
    fs,
    options: resolveOptions(options),
    cache: new WeakMap(),
    boundary: randomBytes(15).toString('hex'),
  };
  return function hotfsHandler(req, res, next) {
    void handle(ctx, req, res, next);
  };
}

async function handle(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, next: ((err?: unknown) => void) | undefined): Promise<void> {
  const method = req.method;
  const o = ctx.options;
  if (method !== 'GET' && method !== 'HEAD') {
    if (o.fallthrough && next) return next();
    return finish(ctx, req, res, errorPlan(405), undefined, undefined);
  }
  const h = req.headers;
  const facts: RequestFacts = {
    method,
    range: h.range,
    accept: h.accept,
    ifMatch: h['if-match'],
    ifNoneMatch: h['if-none-match'],
    ifModifiedSince: h['if-modified-since'],
    ifUnmodifiedSince: h['if-unmodified-since'],
    ifRange: h['if-range'] as string | undefined,
  };
  const { plan, file, error } = await serve(ctx, facts, req.url ?? '/');
  if (plan.miss === true && o.fallthrough && next) {
    if (file !== undefined) void file.close().catch(ignore);
    return next();
  }
  return finish(ctx, req, res, plan, file, error);
}

async function finish(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, plan: Plan, file: File | undefined, error: unknown): Promise<void> {
  try {
    res.writeHead(plan.status, plan.headers as string[]);
    const body = plan.body;
    if (body === undefined) res.end();
    else if (body.length === 1) await sendPart(res, body[0]!, file, true);
    else for (let i = 0; i < body.length; i++) await sendPart(res, body[i]!, file, i === body.length - 1);
  } catch (err) {
    // Headers are gone (or the client is): the only honest signal left is a cut connection.
    error ??= err;
    res.destroy();
  } finally {
    if (file !== undefined) void file.close().catch(ignore);
  }
  ctx.options.logger?.({ method: req.method ?? '', url: req.url ?? '', status: plan.status, ...(error === undefined ? {} : { error }) });
}

async function sendPart(res: ServerResponse, part: Part, file: File | undefined, last: boolean): Promise<void> {
  if (part instanceof Uint8Array) {
    if (last) res.end(part);
    else if (!res.write(part)) await drained(res);
    return;
  }
  if (file === undefined) throw new Error('plan has a file slice but no file');
  if (file.bytes) {
    // Zero-copy: a view of the backend's bytes goes straight to the socket.
    const bytes = file.bytes();
    const view = part.start === 0 && part.end === bytes.length ? bytes : bytes.subarray(part.start, part.end);
    if (view.length !== part.end - part.start) throw new Error('file changed size while being served');
    if (last) res.end(view);
    else if (!res.write(view)) await drained(res);
    return;
  }
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

// Resolves on 'drain', or on 'close' when the client went away (then 'drain' never comes).
function drained(res: ServerResponse): Promise<void> {
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

function ignore(): void {}
