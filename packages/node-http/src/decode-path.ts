/**
 * Turning a request-target into a hotfs path: split off the query, percent-decode exactly once.
 * @module
 */

/** A request-target split into its decoded path and its raw query. */
export interface DecodedTarget {
  /** The path, percent-decoded once; starts with `/`. Never decoded again anywhere. */
  path: string;
  /** The query without `?`, exactly as received ('' when absent). */
  query: string;
  /** True when some segment starts with `.` (a dotfile, `.` or `..`): the caller applies its policy. */
  dotSegment: boolean;
}

/**
 * Decodes a request-target (`/a%20b?x=1`, or the absolute form `http://host/a`). Returns
 * `undefined` for what must be answered 400: an invalid percent escape, bytes that are not
 * UTF-8 (overlong forms included), a NUL, or a target that is not a path.
 *
 * The common case (plain ASCII, no escape) allocates only the path slice.
 */
export function decodeTarget(target: string): DecodedTarget | undefined {
  let q = target.indexOf('?');
  if (q < 0) q = target.length;
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    start = absolutePathStart(target, q);
    if (start < 0) return undefined;
  }
  let escaped = false;
  for (let i = start; i < q; i++) {
    const c = target.charCodeAt(i);
    if (c === 37 /* % */) escaped = true;
    else if (c <= 32 || c >= 127) return undefined;
  }
  let path = start === 0 && q === target.length ? target : start === q ? '/' : target.slice(start, q);
  if (escaped) {
    try {
      // Strict: rejects malformed escapes, overlong UTF-8 (%c0%ae), surrogates and other invalid UTF-8.
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    if (path.includes('\0')) return undefined;
  }
  const query = q === target.length ? '' : target.slice(q + 1);
  return { path, query, dotSegment: path.includes('/.') };
}

// The path of an absolute-form target ("http://host/p"), or -1 when it is not one.
function absolutePathStart(target: string, q: number): number {
  const scheme = target.indexOf('://');
  if (scheme < 1 || scheme > 5) return -1;
  const s = target.slice(0, scheme).toLowerCase();
  if (s !== 'http' && s !== 'https') return -1;
  const slash = target.indexOf('/', scheme + 3);
  return slash < 0 || slash > q ? q : slash;
}

/**
 * Classifies the dot segments of a decoded path: `'dotdot'` when a segment is `..` (always
 * refused: a client that means it would have resolved it), `'dotfile'` when some segment starts
 * with `.` (other than `.` itself), else `undefined`.
 */
export function dotSegments(path: string): 'dotdot' | 'dotfile' | undefined {
  let found: 'dotfile' | undefined;
  for (const segment of path.split('/')) {
    if (segment === '..') return 'dotdot';
    if (segment.length > 1 && segment.charCodeAt(0) === 46) found = 'dotfile';
  }
  return found;
}

/** True for a name that the dotfiles policy concerns. */
export function isDotName(name: string): boolean {
  return name.charCodeAt(0) === 46;
}
