/**
 * The one logger shape of hotfs.
 * @module
 */

/**
 * Where a hotfs component reports what it does in the background (MemFS: the load summary, applied
 * changes, watcher errors) and where the `hotfs` command writes its own lines. `console` is one.
 *
 * The HTTP handler's `logger` option is a different thing: a function receiving one structured
 * `RequestLog` per request, which a caller turns into calls on a `Logger` (see the node-http README).
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
