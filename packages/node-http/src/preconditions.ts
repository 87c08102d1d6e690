/**
 * Conditional requests (RFC 9110 §13.2.2), evaluated in the RFC's order with Go's semantics.
 * @module
 */
import { parseHttpDate } from './http-date.js';

/** The conditional headers of a request, as received (undefined when absent). */
export interface ConditionalHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
  ifRange?: string | undefined;
}

/** The validators of the selected representation. */
export interface Validators {
  /** The entity tag as sent, strong `"abc"` or weak `W/"abc"`; undefined when the representation has none. */
  etag: string | undefined;
  /** Modification time in ms; 0 means unknown (no Last-Modified is sent, date conditions are ignored). */
  mtimeMs: number;
}

/**
 * Outcome: `'ok'` (send the representation), `'not-modified'` (304), `'failed'` (412).
 * `useRange` is false when If-Range did not match, so the Range header must be ignored.
 */
export interface PreconditionResult {
  outcome: 'ok' | 'not-modified' | 'failed';
  useRange: boolean;
}

const OK: PreconditionResult = Object.freeze({ outcome: 'ok', useRange: true });
const OK_NO_RANGE: PreconditionResult = Object.freeze({ outcome: 'ok', useRange: false });
const NOT_MODIFIED: PreconditionResult = Object.freeze({ outcome: 'not-modified', useRange: false });
const FAILED: PreconditionResult = Object.freeze({ outcome: 'failed', useRange: false });

/**
 * How long after a file's mtime its Last-Modified date becomes a strong validator (RFC 9110
 * §8.8.2.2): a file changed within the second its date names may change again within that second
 * without the date moving.
 */
const STRONG_DATE_AFTER_MS = 1000;

/**
 * Evaluates the preconditions of a GET or HEAD (`safe` true) or another method, in RFC 9110 order:
 * If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since; then If-Range.
 * `now` (ms since the epoch, default the clock) only decides whether a Last-Modified date is strong
 * enough for If-Range. Returns shared frozen results: no allocation.
 */
export function evaluatePreconditions(h: ConditionalHeaders, v: Validators, safe: boolean, now?: number): PreconditionResult {
  if (h.ifMatch !== undefined) {
    if (!etagListMatches(h.ifMatch, v.etag, true)) return FAILED;
  } else if (h.ifUnmodifiedSince !== undefined && v.mtimeMs > 0) {
    const t = parseHttpDate(h.ifUnmodifiedSince);
    if (t !== undefined && floorSecond(v.mtimeMs) > t) return FAILED;
  }
  if (h.ifNoneMatch !== undefined) {
    if (etagListMatches(h.ifNoneMatch, v.etag, false)) return safe ? NOT_MODIFIED : FAILED;
  } else if (safe && h.ifModifiedSince !== undefined && v.mtimeMs > 0) {
    const t = parseHttpDate(h.ifModifiedSince);
    // One-second resolution: HTTP dates have no milliseconds, so compare the truncated mtime.
    if (t !== undefined && floorSecond(v.mtimeMs) <= t) return NOT_MODIFIED;
  }
  if (h.ifRange !== undefined && safe && !ifRangeMatches(h.ifRange, v, now)) return OK_NO_RANGE;
  return OK;
}

/**
 * Whether If-Range holds (RFC 9110 §13.1.5), so the Range may be served: a bare entity tag equal
 * to the representation's ETag when that one is strong (a weak tag on either side never holds);
 * or a date exactly equal to Last-Modified when that date is strong: the representation's ETag is
 * not weak (a backend that cannot vouch for its tag cannot vouch for a coarser date) and its mtime
 * lies at least {@link STRONG_DATE_AFTER_MS} before `now`.
 */
export function ifRangeMatches(value: string, v: Validators, now = Date.now()): boolean {
  const s = value.trim();
  if (s.startsWith('"') || s.startsWith('W/')) return s.startsWith('"') && s === v.etag;
  if (v.mtimeMs <= 0 || v.etag?.startsWith('W/') === true || now - v.mtimeMs < STRONG_DATE_AFTER_MS) return false;
  const t = parseHttpDate(s);
  return t !== undefined && t === floorSecond(v.mtimeMs);
}

/**
 * Whether a comma-separated entity-tag list (or `*`) matches `etag` (as sent: `"x"` or `W/"x"`).
 * Strong comparison (If-Match) refuses weak tags on either side, so a weak `etag` matches only
 * `*`; weak comparison (If-None-Match) ignores the `W/` prefix. A malformed list matches only what
 * was parsed before the error, as in Go.
 */
export function etagListMatches(list: string, etag: string | undefined, strong: boolean): boolean {
  if (etag === undefined) return false;
  const weakEtag = etag.startsWith('W/');
  if (list === etag && !(strong && weakEtag)) return true;
  const opaque = weakEtag ? etag.slice(2) : etag;
  let i = 0;
  const n = list.length;
  while (i < n) {
    const c = list.charCodeAt(i);
    if (c === 32 || c === 9 || c === 44) {
      i++;
      continue;
    }
    if (c === 42 /* * */) {
      // "*" is valid only as the whole field, but Go accepts it anywhere in the list.
      return true;
    }
    let weak = false;
    if (c === 87 /* W */ && list.charCodeAt(i + 1) === 47 /* / */) {
      weak = true;
      i += 2;
    }
    if (list.charCodeAt(i) !== 34 /* " */) return false;
    const close = list.indexOf('"', i + 1);
    if (close < 0) return false;
    const tag = list.slice(i, close + 1);
    if (tag === opaque && !(strong && (weak || weakEtag))) return true;
    i = close + 1;
  }
  return false;
}

function floorSecond(ms: number): number {
  return ms - (ms % 1000);
}
