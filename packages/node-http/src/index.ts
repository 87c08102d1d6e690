/**
 * `@hotfs/node-http`: serve any hotfs FileSystem over HTTP with Go `http.FileServer` semantics.
 * @packageDocumentation
 */
export { createHandler, CHUNK_SIZE, type Handler } from './handler.js';
export { createServer, serverTimeouts, KEEP_ALIVE_TIMEOUT, type ServerOptions, type ServerTimeouts } from './server.js';
export { createFetchHandler, type FetchHandler } from './fetch.js';
export { resolveOptions, type HandlerOptions, type ResolvedOptions, type DotfilesPolicy, type Logger, type RequestLog } from './options.js';
export { requestLogger } from './request-logger.js';
export { serve, createContext, MAX_VERSIONS, type ServeContext, type Served } from './serve.js';
export { planFile, planListing, errorPlan, redirectPlan, fileMeta, quoteEtag, statusForCode, multipart, type Plan, type Part, type FileSlice, type FileMeta, type RequestFacts } from './respond.js';
export { parseRange, sumRanges, type ByteRange, type RangeResult } from './range.js';
export { evaluatePreconditions, etagListMatches, ifRangeMatches, type ConditionalHeaders, type Validators, type PreconditionResult } from './preconditions.js';
export { parseHttpDate, formatHttpDate } from './http-date.js';
export { decodeTarget, dotSegments, type DecodedTarget } from './decode-path.js';
export { contentTypeByName, sniffContentType } from './content-type.js';
export { listingHtml, listingJson, wantsJson, escapeHtml } from './listing.js';
export { escapeSegment, directoryLocation, fileLocation, relativeLocation, absoluteLocation } from './location.js';
