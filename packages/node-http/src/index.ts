/**
 * `@hotfs/node-http`: serve any hotfs FileSystem over HTTP with Go `http.FileServer` semantics.
 * The pure protocol functions (ranges, preconditions, dates, content types, listings) are in
 * `@hotfs/node-http/protocol`.
 * @packageDocumentation
 */
export { createHandler, type Handler } from './handler.js';
export { createServer, type ServerOptions } from './server.js';
export { createFetchHandler, type FetchHandler } from './fetch.js';
export type { HandlerOptions, DotfilesPolicy, Logger, RequestLog } from './options.js';
export { requestLogger } from './request-logger.js';
export type { HeaderRule } from './header-rules.js';
export type { CorsOption } from './cors.js';
export { serveWorkers, hasReusePort, type WorkersOptions, type WorkerPool, type WorkerBackend, type WorkerServerOptions } from './workers.js';
