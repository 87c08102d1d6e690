/**
 * A `node:http` server for a FileSystem with its request timeouts actually enforced.
 * @module
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { FileSystem } from '@hotfs/core';
import { createHandler, endLiveStreams } from './handler.js';
import type { HandlerOptions } from './options.js';

/** Options of {@link createServer}: the handler's, plus Node's two request timeouts. */
export interface ServerOptions extends HandlerOptions {
  /** Milliseconds to receive the request headers (slowloris guard); default Node's, 60 000. 0 disables. */
  headersTimeout?: number;
  /** Milliseconds to receive the whole request; default Node's, 300 000. 0 disables. */
  requestTimeout?: number;
  /**
   * Milliseconds an idle keep-alive connection stays open; default 65 000. Node's own 5 000 counts from
   * when a response is handed to the kernel, not from when the client has read it: a client still
   * reading a large body reuses the connection just as the server closes it ('socket hang up').
   */
  keepAliveTimeout?: number;
}

/** Default of {@link ServerOptions.keepAliveTimeout} (nginx keeps 75 s). */
export const KEEP_ALIVE_TIMEOUT = 65_000;

/** The `node:http` server options that make the timeouts hold. */
export interface ServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  /** How often Node looks for connections past a timeout (ms). */
  connectionsCheckingInterval: number;
}

const NODE_HEADERS_TIMEOUT = 60_000;
const NODE_REQUEST_TIMEOUT = 300_000;
const NODE_CHECKING_INTERVAL = 30_000;

/**
 * The server options for the given timeouts. Node only enforces `headersTimeout` and
 * `requestTimeout` when it sweeps its connections, every `connectionsCheckingInterval` ms (30 s
 * by default, fixed when the server is created): setting `server.headersTimeout = 1000` afterwards
 * lets a client that never finishes its headers hold its connection for up to 30 s more. Here the
 * sweep runs ten times per shortest timeout (at least every 100 ms, at most every 30 s), and
 * `headersTimeout` is capped by `requestTimeout` as Node requires.
 * @throws TypeError naming the option when a timeout is not a non-negative integer.
 */
export function serverTimeouts(headersTimeout?: number, requestTimeout?: number): ServerTimeouts {
  check(headersTimeout, 'headersTimeout');
  check(requestTimeout, 'requestTimeout');
  let headers = headersTimeout ?? NODE_HEADERS_TIMEOUT;
  const request = requestTimeout ?? Math.max(NODE_REQUEST_TIMEOUT, headers);
  if (request > 0 && headers > request) {
    if (headersTimeout !== undefined) throw new TypeError(`option 'headersTimeout' must not exceed 'requestTimeout' (${request}); got ${headersTimeout}`);
    headers = request;
  }
  const shortest = Math.min(...[headers, request].filter((t) => t > 0), NODE_CHECKING_INTERVAL * 10);
  const connectionsCheckingInterval = Math.min(NODE_CHECKING_INTERVAL, Math.max(100, Math.floor(shortest / 10)));
  return { headersTimeout: headers, requestTimeout: request, connectionsCheckingInterval };
}

function check(value: number | undefined, name: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`option '${name}' must be a non-negative integer of milliseconds; got ${String(value)}`);
}

/**
 * Creates a `node:http` server serving `fs` through {@link createHandler}, with `headersTimeout`
 * and `requestTimeout` enforced promptly (see {@link serverTimeouts}). Listening and closing are
 * the caller's.
 *
 * @example
 * ```ts
 * import { DiskFS } from '@hotfs/core';
 * import { createServer } from '@hotfs/node-http';
 * createServer(new DiskFS('./public'), { headersTimeout: 10_000 }).listen(8080, '127.0.0.1');
 * ```
 * @throws TypeError naming the first invalid option.
 */
export function createServer(fs: FileSystem, options: ServerOptions = {}): Server {
  const { headersTimeout, requestTimeout, keepAliveTimeout = KEEP_ALIVE_TIMEOUT, ...handlerOptions } = options;
  check(keepAliveTimeout, 'keepAliveTimeout');
  const timeouts = serverTimeouts(headersTimeout, requestTimeout);
  const handler = createHandler(fs, handlerOptions);
  const server = createHttpServer(timeouts, handler);
  server.keepAliveTimeout = keepAliveTimeout;
  if (handlerOptions.live === true) {
    // close() waits for every response, and a live reload stream lasts as long as its page.
    const close = server.close.bind(server);
    server.close = (callback) => {
      endLiveStreams(handler);
      return close(callback);
    };
  }
  return server;
}
