/**
 * A fetch-style adapter: `Request → Response` over the same core as the Node handler, for runtimes
 * and frameworks built on web streams (and as proof that the core is not tied to `node:http`).
 * @module
 */
import { hasBytes, release, type File, type FileSystem } from '@hotfs/core';
import { corsMethodNotAllowed, preflightPlan, withCors } from './cors.js';
import { CHUNK_SIZE } from './handler.js';
import type { LiveFeed } from './live.js';
import type { HandlerOptions, Logger } from './options.js';
import { errorPlan, type Part, type Plan } from './respond.js';
import { createContext, serveContent, type Served } from './serve.js';

// A body without a file is all literal parts; slices then have nothing to point into.
const EMPTY = new Uint8Array(0);

/** Answers a web `Request`; never rejects. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Creates a `Request → Response` handler with the same semantics and options as
 * {@link createHandler}, the SPA fallback, header rules and CORS (preflight `OPTIONS` included) too
 * (`fallthrough` has no meaning here: a miss is a 404 Response). With `live`,
 * the event stream is a streaming `Response` body that stays open until the client cancels it;
 * a server that cancels the body of a client that disconnected frees its subscriber at once; one that
 * does not leaves it until its unread backlog reaches 256 KiB.
 * The URL is parsed by the WHATWG URL parser, which already resolves dot segments.
 */
export function createFetchHandler(fs: FileSystem, options?: HandlerOptions): FetchHandler {
  const ctx = createContext(fs, options);
  return async (request) => {
    const method = request.method;
    let plan: Plan;
    let file: File | undefined;
    let error: unknown;
    const h = request.headers;
    const get = (name: string): string | undefined => h.get(name) ?? undefined;
    const cors = ctx.options.cors;
    if (cors !== undefined && method === 'OPTIONS') {
      plan = preflightPlan(cors, get('origin'), get('access-control-request-method'), get('access-control-request-headers'));
    } else if (method !== 'GET' && method !== 'HEAD') {
      plan = cors === undefined ? errorPlan(405) : corsMethodNotAllowed();
    } else {
      const url = new URL(request.url);
      if (ctx.live?.feed.matches(url.pathname)) return liveResponse(ctx.live.feed, method, ctx.options.logger, request.url);
      const facts = {
        method,
        range: get('range'),
        accept: get('accept'),
        acceptEncoding: get('accept-encoding'),
        ifMatch: get('if-match'),
        ifNoneMatch: get('if-none-match'),
        ifModifiedSince: get('if-modified-since'),
        ifUnmodifiedSince: get('if-unmodified-since'),
        ifRange: get('if-range'),
      };
      ({ plan, file, error } = await new Promise<Served>((resolve) => serveContent(ctx, facts, url.pathname + url.search, resolve)));
    }
    let views: Uint8Array[] | undefined;
    if (plan.body !== undefined && method !== 'HEAD' && (file === undefined || hasBytes(file))) {
      // Taken before the status is committed: a file that fails or shrinks now still gets a 500.
      try {
        views = inMemoryViews(plan.body, file === undefined ? EMPTY : file.bytes());
      } catch (err) {
        error ??= err;
        plan = errorPlan(500);
        views = inMemoryViews(plan.body!, EMPTY);
      } finally {
        if (file !== undefined) release(file);
        file = undefined;
      }
    }
    if (cors !== undefined) plan = withCors(plan, cors, cors.origins === undefined ? undefined : get('origin'));
    const headers = new Headers();
    for (let i = 0; i < plan.headers.length; i += 2) headers.append(plan.headers[i]!, plan.headers[i + 1]!);
    try {
      ctx.options.logger?.({ method, url: request.url, status: plan.status, ...(error === undefined ? {} : { error }) });
    } catch {
      // A broken logger must not turn a good response into a rejection.
    }
    const body = plan.body;
    if (views !== undefined) return new Response(views.length === 1 ? views[0]! : new Blob(views), { status: plan.status, headers });
    if (body === undefined || method === 'HEAD' || file === undefined) {
      if (file !== undefined) release(file);
      return new Response(null, { status: plan.status, headers });
    }
    return new Response(streamParts(body, file), { status: plan.status, headers });
  };
}

// The live reload event stream; it ends when the client cancels the body (it went away).
function liveResponse(feed: LiveFeed, method: string, logger: Logger | undefined, url: string): Response {
  const headers = new Headers();
  for (let i = 0; i < feed.headers.length; i += 2) headers.append(feed.headers[i]!, feed.headers[i + 1]!);
  try {
    logger?.({ method, url, status: 200 });
  } catch {
    // As for every other response.
  }
  return new Response(method === 'HEAD' ? null : feed.webStream(url), { status: 200, headers });
}

// Zero-copy views of the file's bytes; a file shorter than the plan's slices is an error, never a
// body shorter than its Content-Length.
function inMemoryViews(parts: readonly Part[], content: Uint8Array): Uint8Array[] {
  return parts.map((part) => {
    if (part instanceof Uint8Array) return part;
    if (part.end > content.length) throw new Error('file shrank while being served');
    return content.subarray(part.start, part.end);
  });
}

// Pull-based, so the consumer's pace is the backpressure; the file is closed at the end or on cancel.
function streamParts(parts: readonly Part[], file: File): ReadableStream<Uint8Array> {
  let index = 0;
  let pos = -1;
  return new ReadableStream({
    async pull(controller) {
      try {
        const part = parts[index];
        if (part === undefined) {
          controller.close();
          await file.close();
          return;
        }
        if (part instanceof Uint8Array) {
          index++;
          controller.enqueue(part);
          return;
        }
        if (pos < 0) pos = part.start;
        const buf = new Uint8Array(Math.min(CHUNK_SIZE, part.end - pos));
        const n = await file.read(buf, pos);
        if (n === 0) throw new Error('file shrank while being served');
        pos += n;
        if (pos >= part.end) {
          index++;
          pos = -1;
        }
        controller.enqueue(n === buf.length ? buf : buf.subarray(0, n));
      } catch (err) {
        release(file);
        controller.error(err);
      }
    },
    async cancel() {
      await file.close();
    },
  });
}
