/**
 * The single-page-app fallback: which misses get the app's HTML page instead of a 404. Pure.
 * @module
 */
import { cleanPath } from '@hotfs/core';
import { isDotName } from './decode-path.js';

/** The fallback file of `single: true`. */
const DEFAULT_FALLBACK = '/index.html';

/**
 * Validates option `single`: `true` is `/index.html`, a string is the fallback's hotfs path (a
 * clean absolute path to a file, not a dotfile unless dotfiles are allowed), `false` or undefined is off.
 * @throws TypeError naming the option.
 */
export function resolveSingle(single: unknown, dotfilesAllowed: boolean): string | undefined {
  if (single === undefined || single === false) return undefined;
  if (single === true) return DEFAULT_FALLBACK;
  if (typeof single !== 'string') throw new TypeError(`option 'single' must be a boolean or a file's path like '/index.html'; got ${JSON.stringify(single)}`);
  const problem = pathProblem(single, dotfilesAllowed);
  if (problem !== undefined) throw new TypeError(`option 'single' ${problem}; got ${JSON.stringify(single)}`);
  return single;
}

function pathProblem(path: string, dotfilesAllowed: boolean): string | undefined {
  if (!path.startsWith('/')) return "must start with '/' (a path in the served tree, like '/index.html')";
  if (path.endsWith('/')) return 'must name a file, not a directory';
  if (path.includes('\0') || cleanPath(path) !== path) return "must be a clean path (no '//', '.' or '..' segments, no NUL)";
  if (!dotfilesAllowed && path.split('/').some(isDotName)) return "names a dotfile, which option 'dotfiles' hides";
  return undefined;
}

/**
 * Whether a missing `path` (a hotfs path) is a route of the app rather than a missing asset: its
 * last segment has no `.` (`/users/42` and `/users/` are routes, `/app.js` and `/v1.2/x.css` are not).
 */
export function isRoute(path: string): boolean {
  return path.indexOf('.', path.lastIndexOf('/') + 1) < 0;
}

/**
 * Whether an `Accept` header value allows `text/html` (RFC 9110 §12.5.1): an absent header
 * allows anything; otherwise the most specific media range that matches (`text/html`, then
 * `text/*`, then any type) decides, and it must have a q-value above 0. Entries that cannot be
 * parsed (a bad q-value, no `/`) are skipped, so an empty or garbage header allows nothing.
 *
 * @example
 * ```ts
 * acceptsHtml('text/html,application/xhtml+xml;q=0.9'); // true: a browser navigating
 * acceptsHtml('application/json'); // false: fetch() asking for data
 * acceptsHtml('text/html;q=0, text/plain'); // false: text/html is refused outright
 * ```
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  // Specificity of the best match so far: 3 text/html, 2 text/*, 1 */*; its highest q.
  let best = 0;
  let q = 0;
  for (const entry of accept.split(',')) {
    const [range = '', ...params] = entry.split(';');
    const specificity = rangeSpecificity(range.trim().toLowerCase());
    if (specificity === 0 || specificity < best) continue;
    const weight = qValue(params);
    if (weight === undefined) continue;
    if (specificity > best) {
      best = specificity;
      q = weight;
    } else if (weight > q) q = weight;
  }
  return q > 0;
}

function rangeSpecificity(range: string): number {
  if (range === 'text/html') return 3;
  if (range === 'text/*') return 2;
  if (range === '*/*') return 1;
  return 0;
}

// The q parameter (RFC 9110 §12.4.2: 0 to 1, at most three decimals); 1 when absent, undefined when malformed.
function qValue(params: readonly string[]): number | undefined {
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const text = param.slice(eq + 1).trim();
    return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(text) ? Number(text) : undefined;
  }
  return 1;
}
