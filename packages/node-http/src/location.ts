/**
 * Relative redirect targets, percent-escaped so that any name survives the round trip.
 * @module
 */

/**
 * Escapes one path segment for a URL: everything but unreserved characters and a few safe
 * sub-delimiters is percent-encoded as UTF-8, including `:` (which would read as a scheme in the
 * first segment of a relative reference), `#`, `?`, `%`, `;` and space.
 */
export function escapeSegment(name: string): string {
  try {
    return encodeURIComponent(name);
  } catch {
    // A lone surrogate cannot be encoded; U+FFFD is what a UTF-8 file system would have shown.
    return encodeURIComponent(name.replace(/[\uD800-\uDFFF]/g, (ch, i: number) => (isPair(name, i) ? ch : '\uFFFD')));
  }
}

function isPair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xdc00) return (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
  return i > 0 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
}

/**
 * Escapes a raw query for reuse in a Location header: it came from the request line, so it is
 * kept as is, except that characters a header value cannot carry are percent-encoded.
 */
function escapeQuery(query: string): string {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 32 || c >= 127) return reescape(query);
  }
  return query;
}

function reescape(query: string): string {
  let out = '';
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    out += c <= 32 || c >= 127 ? '%' + (c & 0xff).toString(16).toUpperCase().padStart(2, '0') : query[i];
  }
  return out;
}

/**
 * A relative redirect, as Go's `localRedirect` builds it but escaped: `target` is already an
 * escaped relative reference (`name/`, `./`, `../name`); the query is kept.
 */
export function relativeLocation(target: string, query: string): string {
  return query === '' ? target : target + '?' + escapeQuery(query);
}

/** Location for a directory requested without its trailing slash: `name/` (escaped). */
export function directoryLocation(decodedPath: string, query: string): string {
  return relativeLocation(escapeSegment(lastSegment(decodedPath)) + '/', query);
}

/** Location for a file requested with a trailing slash: `../name` (escaped). */
export function fileLocation(decodedPath: string, query: string): string {
  return relativeLocation('../' + escapeSegment(lastSegment(decodedPath)), query);
}

// The last non-empty segment of a path ("/a/b/" -> "b").
function lastSegment(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  return path.slice(path.lastIndexOf('/', end - 1) + 1, end);
}

/**
 * An absolute Location for a clean decoded path (each segment escaped), keeping the query. Used when
 * the request spelled its path unnormalised (`//`, `/./`): a relative Location is resolved against
 * that spelling by the client and could land elsewhere (`../x` from `/x//` is `/x/x`).
 */
export function absoluteLocation(cleanDecodedPath: string, query: string): string {
  // Exactly one leading slash: `//host` would be a protocol-relative URL, an open redirect.
  const segments = cleanDecodedPath
    .split('/')
    .filter((s) => s !== '')
    .map(escapeSegment);
  const escaped = segments.length === 0 ? '/' : '/' + segments.join('/') + (cleanDecodedPath.endsWith('/') ? '/' : '');
  return query === '' ? escaped : `${escaped}?${escapeQuery(query)}`;
}
