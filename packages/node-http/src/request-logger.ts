/**
 * The adapter from the handler's per-request log to a `Logger` (`{ info, warn, error }`).
 * @module
 */
import type { Logger } from '@hotfs/core';
import type { RequestLog } from './options.js';

/** Longest request-target written to a log line; the rest is counted, not copied. */
const URL_SHOWN = 300;

/**
 * A handler `logger` that writes to a `Logger` such as `console`: every 5xx as `error`, with its internal
 * cause; with `verbose`, every other request as one `info` line. Other answers (a 404's `ENOENT`) are not news.
 * Request-targets longer than 300 characters are cut: a client sending 16 KB targets must not be able to
 * grow the log by 16 KB per request.
 *
 * @example
 * ```ts
 * createServer(fs, { logger: requestLogger(console, { verbose: true }) });
 * // GET /index.html 200
 * ```
 */
export function requestLogger(logger: Logger, options: { verbose?: boolean } = {}): (entry: RequestLog) => void {
  const verbose = options.verbose ?? false;
  return (e) => {
    if (e.status >= 500) logger.error(`${e.method} ${shorten(e.url)} ${e.status}${e.error === undefined ? '' : ` ${describeError(e.error)}`}`);
    else if (verbose) logger.info(`${e.method} ${shorten(e.url)} ${e.status}`);
  };
}

function shorten(url: string): string {
  return url.length > URL_SHOWN ? `${url.slice(0, URL_SHOWN)}…(${url.length} chars)` : url;
}

/** One line for an error: its name and message, never its stack. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
