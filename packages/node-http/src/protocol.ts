/**
 * `@hotfs/node-http/protocol`: the pure HTTP functions the handler is built from, for writing a
 * handler of your own. No I/O and no state: values in, values out.
 *
 * | function | what | specification |
 * | --- | --- | --- |
 * | {@link parseRange} | the `Range` header against a size | RFC 9110 §14.1.2, §14.2 |
 * | {@link evaluatePreconditions} | If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range | RFC 9110 §13.2.2 |
 * | {@link parseHttpDate}, {@link formatHttpDate} | HTTP dates, all three formats read | RFC 9110 §5.6.7 |
 * | {@link contentTypeByName}, {@link sniffContentType} | `Content-Type` from a name, or from the first bytes | RFC 9110 §8.3 |
 * | {@link listingHtml}, {@link listingJson} | a directory listing with relative, percent-encoded links | RFC 3986 §2.1, §4.2 |
 * | {@link parseAcceptEncoding}, {@link preferredEncodings} | `Accept-Encoding` weights, and the codings worth sending, best first | RFC 9110 §12.5.3 |
 * @packageDocumentation
 */
export { parseRange, type ByteRange, type RangeResult } from './range.js';
export { evaluatePreconditions, type ConditionalHeaders, type Validators, type PreconditionResult } from './preconditions.js';
export { parseHttpDate, formatHttpDate } from './http-date.js';
export { contentTypeByName, sniffContentType } from './content-type.js';
export { listingHtml, listingJson } from './listing.js';
export { parseAcceptEncoding, preferredEncodings, type AcceptedEncodings } from './encoding.js';
