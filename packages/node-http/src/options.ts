/**
 * Handler options: their public shape, their defaults and their validation.
 * @module
 */
import { CONTENT_CODINGS, type ContentCoding } from '@hotfs/core';
import { resolveCors, type CorsOption, type ResolvedCors } from './cors.js';
import { resolveHeaderRules, type HeaderRule, type ResolvedRule } from './header-rules.js';
import { resolveSingle } from './spa.js';

/**
 * What to do with a path that has a segment starting with `.` (`/.env`, `/.git/config`):
 * `'ignore'` (default) answers 404 as if it did not exist, `'deny'` answers 403, `'allow'` serves it.
 */
export type DotfilesPolicy = 'ignore' | 'allow' | 'deny';

/** One line of the request log. */
export interface RequestLog {
  method: string;
  /** The request-target as received. */
  url: string;
  status: number;
  /** The internal error behind a 5xx (never sent to the client). */
  error?: unknown;
}

/**
 * Receives one {@link RequestLog} per answered request. Not the `Logger` of `@hotfs/core` (`{ info, warn,
 * error }`, what MemFS and the `hotfs` command write to): {@link requestLogger} adapts one to the other.
 */
export type Logger = (entry: RequestLog) => void;

/** Options of {@link createHandler}. Every option is validated; a bad one throws a `TypeError` naming it. */
export interface HandlerOptions {
  /**
   * Serve only below this URL path, which is stripped before the file system sees the path (Go's
   * `http.StripPrefix`). `'/memfs/'` serves `/memfs/a.txt` from `/a.txt` and redirects `/memfs`
   * to `/memfs/`. Default `'/'`.
   */
  prefix?: string;
  /** Dotfile policy; default `'ignore'` (404). */
  dotfiles?: DotfilesPolicy;
  /** Index file name(s) tried in a directory, in order; `false` or `[]` for none. Default `'index.html'`. */
  index?: string | readonly string[] | false;
  /** List directories that have no index file; default `true`. When off, such directories are 404. */
  listing?: boolean;
  /** `Cache-Control: public, max-age=N` on files, in whole SECONDS (not milliseconds); default none (no Cache-Control). */
  maxAge?: number;
  /** Add `immutable` to Cache-Control; needs `maxAge`. Default `false`. */
  immutable?: boolean;
  /** Extra response headers for files and listings (not errors or redirects), e.g. CSP (CORS: option `cors`). */
  headers?: Readonly<Record<string, string>>;
  /** Called once per answered request; default none. */
  logger?: Logger;
  /**
   * As middleware (a `next` callback passed): call `next()` instead of answering for a miss (404)
   * or a method other than GET and HEAD. Default `false`: always answer.
   */
  fallthrough?: boolean;
  /**
   * Serve a precompressed sibling (`app.js.br`, `app.js.zst`, `app.js.gz`) for a file when the
   * client accepts its coding (`Accept-Encoding`, best q-value first, then br, zstd, gzip), with
   * `Content-Encoding`, the original's `Content-Type` and `Vary: Accept-Encoding`; `Range` and
   * conditional requests then apply to the sibling's bytes. `true` for all three codings, or the
   * codings to look for. Default `false`: a sibling is only ever served under its own name, since in
   * a directory of downloads `x.tar.gz` beside `x.tar` is not a compressed copy of it. Encodings a
   * backend holds in memory (`File.encodings()`, MemFS's `compress`) are served whatever this says.
   */
  precompressed?: boolean | readonly ContentCoding[];
  /**
   * Single-page-app fallback: a GET or HEAD for a path that does not exist, whose last segment has
   * no `.` and whose `Accept` allows `text/html`, gets this file with 200 (`true`: `'/index.html'`;
   * a string: the file's hotfs path). A missing `/app.js` stays 404. Default `false`.
   */
  single?: boolean | string;
  /**
   * Headers by path: each rule whose `match` accepts the hotfs path of a file (or listing) adds its
   * headers; a later rule, and any rule over options `headers` and `maxAge`, wins for the same name.
   */
  headerRules?: readonly HeaderRule[];
  /**
   * CORS: `true` allows any origin (`Access-Control-Allow-Origin: *`), a list allows those origins
   * (`['https://app.example']`, echoed with `Vary: Origin`). Answers preflight `OPTIONS`. Default `false`.
   */
  cors?: CorsOption;
  /**
   * Live reload, for development: an event stream at `<prefix>/.hotfs/live` announces each change
   * once it is served, and HTML responses get a small script that reloads the page on a change (or
   * swaps its stylesheets in place when only CSS changed). Needs a FileSystem with a change feed
   * (MemFS, MapFS, VolumeFS…). Default `false`: every response is exactly what it is without it.
   */
  live?: boolean;
}

/** Options after validation, in the form the request path uses. */
export interface ResolvedOptions {
  /** The prefix without its trailing slash; '' when serving at the root. */
  prefix: string;
  dotfiles: DotfilesPolicy;
  index: readonly string[];
  listing: boolean;
  cacheControl: string | undefined;
  /** Flat `[name, value, …]`, ready for `writeHead`. */
  extraHeaders: readonly string[];
  logger: Logger | undefined;
  fallthrough: boolean;
  /** Codings whose siblings are looked for; empty when off. */
  precompressed: readonly ContentCoding[];
  /** The SPA fallback's hotfs path, or undefined when off. */
  single: string | undefined;
  /** undefined when there are none: the request path skips them at no cost. */
  headerRules: readonly ResolvedRule[] | undefined;
  cors: ResolvedCors | undefined;
  live: boolean;
}

const known = new Set([
  'prefix',
  'dotfiles',
  'index',
  'listing',
  'maxAge',
  'immutable',
  'headers',
  'logger',
  'fallthrough',
  'precompressed',
  'single',
  'headerRules',
  'cors',
  'live',
]);
// Headers the handler computes itself; overriding them would break the semantics it promises.
const reserved = new Set([
  'content-length',
  'content-range',
  'content-type',
  'etag',
  'last-modified',
  'accept-ranges',
  'transfer-encoding',
  'content-encoding',
  'location',
  'allow',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validates options and applies defaults. @throws TypeError naming the first bad option. */
export function resolveOptions(options: HandlerOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object; got ${describe(options)}`);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`unknown option '${key}'`);
  const {
    prefix = '/',
    dotfiles = 'ignore',
    index = 'index.html',
    listing = true,
    maxAge,
    immutable = false,
    headers = {},
    logger,
    fallthrough = false,
    precompressed = false,
    single,
    headerRules,
    cors,
    live = false,
  } = options;

  const wrongPrefix = prefixProblem(prefix);
  if (wrongPrefix) throw new TypeError(`option 'prefix' ${wrongPrefix} (a URL path like '/static/'); got ${describe(prefix)}`);
  if (dotfiles !== 'ignore' && dotfiles !== 'allow' && dotfiles !== 'deny') {
    throw new TypeError(`option 'dotfiles' must be 'ignore', 'allow' or 'deny'; got ${describe(dotfiles)}`);
  }
  const names = index === false ? [] : typeof index === 'string' ? [index] : index;
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string' && n !== '' && !n.includes('/') && n !== '.' && n !== '..' && !n.includes('\0'))) {
    throw new TypeError(`option 'index' must be a file name, an array of file names or false; got ${describe(index)}`);
  }
  if (typeof listing !== 'boolean') throw new TypeError(`option 'listing' must be a boolean; got ${describe(listing)}`);
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new TypeError(`option 'maxAge' must be a whole number of seconds >= 0; got ${describe(maxAge)}`);
  }
  if (typeof immutable !== 'boolean') throw new TypeError(`option 'immutable' must be a boolean; got ${describe(immutable)}`);
  if (immutable && maxAge === undefined) throw new TypeError(`option 'immutable' needs option 'maxAge'`);
  const resolvedCors = resolveCors(cors);
  const list = (h: unknown, option: string): string[] => headerList(h, option, resolvedCors !== undefined);
  const extraHeaders = list(headers, 'headers');
  const rules = resolveHeaderRules(headerRules, list);
  if (logger !== undefined && typeof logger !== 'function') throw new TypeError(`option 'logger' must be a function; got ${describe(logger)}`);
  if (typeof fallthrough !== 'boolean') throw new TypeError(`option 'fallthrough' must be a boolean; got ${describe(fallthrough)}`);
  const codings = precompressed === true ? CONTENT_CODINGS : precompressed === false ? [] : precompressed;
  if (!Array.isArray(codings) || !codings.every((c) => CONTENT_CODINGS.includes(c as ContentCoding))) {
    throw new TypeError(`option 'precompressed' must be a boolean or an array of 'br', 'zstd', 'gzip'; got ${describe(precompressed)}`);
  }
  if (typeof live !== 'boolean') throw new TypeError(`option 'live' must be a boolean; got ${describe(live)}`);

  return {
    prefix: prefix.endsWith('/') ? prefix.slice(0, -1) : prefix,
    dotfiles,
    index: Object.freeze([...names]),
    listing,
    cacheControl: maxAge === undefined ? undefined : `public, max-age=${maxAge}${immutable ? ', immutable' : ''}`,
    extraHeaders: Object.freeze(extraHeaders),
    logger,
    fallthrough,
    precompressed: Object.freeze(CONTENT_CODINGS.filter((c) => codings.includes(c))),
    single: resolveSingle(single, dotfiles === 'allow'),
    headerRules: rules,
    cors: resolvedCors,
    live,
  };
}

// Header names to values as a flat list; `cors` also reserves the Access-Control-* names it sets.
function headerList(headers: unknown, option: string, cors: boolean): string[] {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`option '${option}' must be an object of header names to string values; got ${describe(headers)}`);
  }
  const list: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name) || reserved.has(lower)) throw new TypeError(`option '${option}' has an invalid or reserved header name ${describe(name)}`);
    if (cors && lower.startsWith('access-control-')) throw new TypeError(`option '${option}' sets ${name}, which option 'cors' sets`);
    // Printable ASCII and tabs only: anything else would throw inside Node at request time.
    if (typeof value !== 'string' || !/^[\t\x20-\x7e]*$/.test(value)) throw new TypeError(`option '${option}' has an invalid value for ${name}: ${describe(value)}`);
    list.push(name, value);
  }
  return list;
}

// Says what is wrong, not only what is right: "must start with '/'" for '/a//b' would be a puzzle.
function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return 'must be a string';
  if (!prefix.startsWith('/')) return "must start with '/'";
  if (prefix.includes('//')) return "must not contain '//'";
  if (prefix.includes('?') || prefix.includes('#')) return "must not contain '?' or '#'";
  if (prefix.split('/').some((s) => s === '.' || s === '..')) return "must not contain '.' or '..' segments";
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
