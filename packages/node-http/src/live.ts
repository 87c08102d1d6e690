/**
 * Live reload, the server side: the event stream (Server-Sent Events) at `<prefix>/.hotfs/live`
 * that tells pages about each change once the backend serves it.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanPath, hasChangeFeed, isFsError, type ChangeEvent, type ChangeFeedFS, type FileSystem } from '@hotfs/core';
import { decodeTarget } from './decode-path.js';
import { LivePages } from './live-inject.js';
import type { ResolvedOptions } from './options.js';
import { quoteEtag } from './respond.js';

/** Where the event stream is, below the prefix. A dot segment: no site file is ever served there by default. */
const LIVE_PATH = '/.hotfs/live';

/** A comment line every this many ms, so proxies and idle timeouts keep the stream open. */
const PING_MS = 20_000;

/** How long a browser waits before reconnecting after the stream broke (the server restarted). */
const RETRY_MS = 500;

/** A client that stopped reading is cut once this much is waiting for it (events are a few dozen bytes). */
const MAX_BACKLOG = 256 * 1024;

const encoder = new TextEncoder();
const HELLO = encoder.encode(`retry: ${RETRY_MS}\n\n`);
const PING = encoder.encode(': ping\n\n');
const HEADERS: readonly string[] = Object.freeze([
  'Content-Type',
  'text/event-stream',
  'Cache-Control',
  'no-cache, no-transform',
  'X-Accel-Buffering',
  'no',
  'X-Content-Type-Options',
  'nosniff',
]);
// Changes to paths the handler never serves (dotfiles unless allowed) are nobody's business.
const DOT_SEGMENT = /(^|\/)\./;

/** One connected page: where its events go, and how its stream is ended. */
interface LiveClient {
  send(chunk: Uint8Array): void;
  end(): void;
}

/** Live reload state of one handler: its event stream and its injected pages. */
export interface Live {
  feed: LiveFeed;
  pages: LivePages;
}

/**
 * The live reload state for a handler, or `undefined` when `live` is off.
 * @throws TypeError when `live` is on and `fs` has no change feed.
 */
export function createLive(fs: FileSystem, o: ResolvedOptions): Live | undefined {
  if (!o.live) return undefined;
  if (!hasChangeFeed(fs)) {
    const name = (fs as { constructor?: { name?: string } }).constructor?.name ?? 'this FileSystem';
    throw new TypeError(`option 'live' needs a FileSystem with a change feed (watch(), as MemFS, MapFS and VolumeFS have; DiskFS has none); ${name} has none`);
  }
  const path = o.prefix + LIVE_PATH;
  return { feed: new LiveFeed(fs, path, o.dotfiles === 'allow'), pages: new LivePages(encodeURI(path)) };
}

/**
 * The event stream's subscribers. The backend's change feed is subscribed when the first page
 * connects and stopped when the last one leaves, so an idle handler holds no listener; a
 * keep-alive comment goes out every {@link PING_MS} while anyone listens.
 *
 * A page connects a moment after it loaded, and again after the server restarted: a change made in
 * between would reach nobody. So a page names its file and that version's ETag in the stream's
 * query (`?page=/index.html&etag=…`, put there by {@link LivePages}), and a page whose file has
 * changed since is told to reload as soon as it connects.
 */
export class LiveFeed {
  readonly #fs: ChangeFeedFS;
  /** The decoded URL path of the stream. */
  readonly #path: string;
  readonly #dotfiles: boolean;
  readonly #clients = new Set<LiveClient>();
  #unwatch: (() => void) | undefined;
  #ping: NodeJS.Timeout | undefined;

  constructor(fs: ChangeFeedFS, path: string, dotfiles: boolean) {
    this.#fs = fs;
    this.#path = path;
    this.#dotfiles = dotfiles;
  }

  /** Whether the request-target names the event stream (its query is ignored). */
  matches(target: string): boolean {
    return target.includes('/.hotfs/live') && decodeTarget(target)?.path === this.#path;
  }

  /** Answers a GET or HEAD of the stream on a Node response; the stream stays open until the client leaves. */
  serveNode(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'HEAD') return void res.writeHead(200, HEADERS as string[]).end();
    const client: LiveClient = {
      send(chunk) {
        if (res.writableLength > MAX_BACKLOG) res.destroy();
        else res.write(chunk);
      },
      end: () => res.end(),
    };
    const remove = this.#add(client);
    res.on('close', remove);
    res.writeHead(200, HEADERS as string[]);
    res.write(HELLO);
    this.#catchUp(req.url ?? '', client);
  }

  /**
   * The stream as a web `Response` body; cancelling it (the client left) removes the subscriber.
   * `target`: the request's URL or request-target, whose query may name the page (see the class).
   */
  webStream(target = ''): ReadableStream<Uint8Array> {
    let remove = (): void => {};
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          controller.enqueue(HELLO);
          const client: LiveClient = {
            send(chunk) {
              if ((controller.desiredSize ?? 0) < -MAX_BACKLOG) {
                controller.error(new Error('live reload client stopped reading'));
                remove();
              } else controller.enqueue(chunk);
            },
            end() {
              controller.close();
            },
          };
          remove = this.#add(client);
          this.#catchUp(target, client);
        },
        cancel: () => remove(),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }

  /** The response headers of the stream. */
  get headers(): readonly string[] {
    return HEADERS;
  }

  /** Ends every open stream (pages reconnect to whoever listens next) and stops the change feed. */
  endAll(): void {
    for (const client of [...this.#clients]) {
      try {
        client.end();
      } catch {
        // Already gone.
      }
    }
    this.#clients.clear();
    this.#idle();
  }

  #add(client: LiveClient): () => void {
    if (this.#clients.size === 0) {
      this.#unwatch = this.#fs.watch((event) => this.#announce(event));
      this.#ping = setInterval(() => this.#broadcast(PING), PING_MS).unref();
    }
    this.#clients.add(client);
    return () => {
      if (this.#clients.delete(client) && this.#clients.size === 0) this.#idle();
    };
  }

  // Subscribed first, then compared: a change is either announced or seen here (or both: a page
  // told twice reloads once). A page whose file is gone reloads, as an 'unlink' event would make it.
  #catchUp(target: string, client: LiveClient): void {
    const at = target.indexOf('?');
    if (at < 0) return;
    const query = new URLSearchParams(target.slice(at + 1));
    const page = query.get('page');
    const etag = query.get('etag');
    if (page === null || etag === null) return;
    const path = cleanPath(page);
    if (!this.#dotfiles && DOT_SEGMENT.test(path)) return;
    void this.#fs
      .stat(path)
      .then(
        (info) => info.isDirectory || quoteEtag(info) !== etag,
        (err: unknown) => isFsError(err) && (err.code === 'ENOENT' || err.code === 'ENOTDIR'),
      )
      .then((stale) => {
        if (stale && this.#clients.has(client)) client.send(eventChunk({ type: 'change', path }));
      })
      // A stream that broke meanwhile is removed by its own close or cancel.
      .catch(() => {});
  }

  #idle(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearInterval(this.#ping);
    this.#ping = undefined;
  }

  #announce(event: ChangeEvent): void {
    if (!this.#dotfiles && DOT_SEGMENT.test(event.path)) return;
    this.#broadcast(eventChunk(event));
  }

  #broadcast(chunk: Uint8Array): void {
    for (const client of this.#clients) {
      try {
        client.send(chunk);
      } catch {
        // A stream that broke is removed by its own close or cancel.
      }
    }
  }
}

function eventChunk(event: ChangeEvent): Uint8Array {
  // Only a stylesheet that is (still) there can be swapped in place; anything else reloads the page.
  const css = (event.type === 'change' || event.type === 'add') && /\.css$/i.test(event.path);
  return encoder.encode(`data: ${JSON.stringify({ type: event.type, path: event.path, css })}\n\n`);
}
