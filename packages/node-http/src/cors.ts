/**
 * CORS (the Fetch standard's CORS protocol): the headers that let a page on another origin read
 * the files, and the answer to a preflight. Pure: request header values in, headers and plans out.
 * @module
 */
import { errorPlan, type Plan } from './respond.js';

/** Option `cors`: `true` allows every origin (`*`); a list allows those origins only. */
export type CorsOption = boolean | readonly string[];

/** Option `cors` after validation. */
export interface ResolvedCors {
  /** The allowed origins, or undefined for any (`*`): then the answer never depends on `Origin`. */
  origins: ReadonlySet<string> | undefined;
}

/**
 * Response headers a page may read besides the safelisted ones (Content-Type, Last-Modified,
 * Cache-Control…): what a script needs to resume or slice a download and to revalidate
 * (Content-Range, Accept-Ranges, ETag), and Content-Length and Content-Encoding, which older
 * browsers do not safelist.
 */
const EXPOSED = 'Accept-Ranges, Content-Encoding, Content-Length, Content-Range, ETag';

/** The request headers a preflight may ask for: those the handler reads. Any other is left out of the answer. */
const ALLOWED_REQUEST_HEADERS = new Set(['accept', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range']);

/** Seconds a browser may cache a preflight's answer (Firefox keeps up to a day; Chromium caps it at 2 h). */
const MAX_AGE = '86400';

const ANY: readonly string[] = Object.freeze(['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED]);
const VARY: readonly string[] = Object.freeze(['Vary', 'Origin']);
const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * Validates option `cors`: a boolean, or a non-empty list of origins, each written as browsers
 * send it (`https://app.example`, `http://localhost:5173`: scheme, host and a port only when not
 * the default, lower case, no path or trailing slash).
 * @throws TypeError naming the option and the bad origin.
 */
export function resolveCors(cors: unknown): ResolvedCors | undefined {
  if (cors === undefined || cors === false) return undefined;
  if (cors === true) return Object.freeze({ origins: undefined });
  if (!Array.isArray(cors) || cors.length === 0) throw new TypeError(`option 'cors' must be true, false or a non-empty array of origins; got ${JSON.stringify(cors)}`);
  for (const origin of cors as unknown[]) {
    const problem = originProblem(origin);
    if (problem !== undefined) throw new TypeError(`option 'cors' has an invalid origin ${JSON.stringify(origin)}: ${problem}`);
  }
  return Object.freeze({ origins: new Set(cors as string[]) });
}

function originProblem(origin: unknown): string | undefined {
  if (typeof origin !== 'string') return 'must be a string like https://app.example';
  if (origin === '*') return 'use cors: true to allow every origin';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'must be scheme://host[:port], like https://app.example';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http: or https: origin';
  if (url.origin !== origin) return `must be written as browsers send it: ${url.origin}`;
  return undefined;
}

/**
 * The CORS headers of an actual response (files, listings, 304s, redirects, errors: a page needs
 * them to read a 404 too), for the request's `Origin` (read only for a list of origins).
 * With a list, every answer varies by `Origin`, allowed or not, so a shared cache keeps them apart.
 */
function corsHeaders(cors: ResolvedCors, origin: string | undefined): readonly string[] {
  if (cors.origins === undefined) return ANY;
  if (origin === undefined || !cors.origins.has(origin)) return VARY;
  return ['Access-Control-Allow-Origin', origin, 'Access-Control-Expose-Headers', EXPOSED, 'Vary', 'Origin'];
}

/** `plan` with the CORS headers added. */
export function withCors(plan: Plan, cors: ResolvedCors, origin: string | undefined): Plan {
  return { ...plan, headers: plan.headers.concat(corsHeaders(cors, origin)) };
}

/**
 * The answer to an `OPTIONS` request (the CORS headers are added by {@link withCors}). A preflight
 * (`Origin` and `Access-Control-Request-Method` present) from an allowed origin gets 204 with the
 * methods, the requested headers the handler reads, and how long to cache that. Anything else (a
 * plain OPTIONS, an origin not listed) gets 204 with `Allow` only: without `Access-Control-Allow-Origin`
 * the browser refuses the request it asked about.
 */
export function preflightPlan(cors: ResolvedCors, origin: string | undefined, requestMethod: string | undefined, requestHeaders: string | undefined): Plan {
  const allowed = origin !== undefined && (cors.origins === undefined || cors.origins.has(origin));
  if (requestMethod === undefined || !allowed) return { status: 204, headers: ['Allow', ALLOW], body: undefined };
  const headers = ['Access-Control-Allow-Methods', 'GET, HEAD'];
  const names = allowedRequestHeaders(requestHeaders);
  if (names !== '') headers.push('Access-Control-Allow-Headers', names);
  headers.push('Access-Control-Max-Age', MAX_AGE);
  return { status: 204, headers, body: undefined };
}

/**
 * The names in an `Access-Control-Request-Headers` value that the handler reads, lower case,
 * each once: `'Range, X-Custom, if-none-match'` → `'range, if-none-match'`.
 */
function allowedRequestHeaders(requested: string | undefined): string {
  if (requested === undefined) return '';
  const names: string[] = [];
  for (const part of requested.split(',')) {
    const name = part.trim().toLowerCase();
    if (ALLOWED_REQUEST_HEADERS.has(name) && !names.includes(name)) names.push(name);
  }
  return names.join(', ');
}

let notAllowed: Plan | undefined;

/** The 405 with CORS on: OPTIONS is a method the handler answers, so `Allow` lists it. */
export function corsMethodNotAllowed(): Plan {
  if (notAllowed === undefined) {
    const plain = errorPlan(405);
    const headers = plain.headers.slice();
    headers[headers.indexOf('Allow') + 1] = ALLOW;
    notAllowed = Object.freeze({ ...plain, headers: Object.freeze(headers) });
  }
  return notAllowed;
}
