/**
 * Content-Type: from the file name through `mime-types`, else by sniffing the first bytes.
 * @module
 */
import mime from 'mime-types';

/** The type for content that is not recognisably text. */
const BINARY = 'application/octet-stream';
/** The type for content that looks like text. */
const TEXT = 'text/plain; charset=utf-8';
/** How many leading bytes {@link sniffContentType} looks at (as Go and the WHATWG algorithm do). */
export const SNIFF_LENGTH = 512;

const byName = new Map<string, string | undefined>();

/**
 * The Content-Type for a file name from its extension, with `charset=utf-8` for text types;
 * `undefined` when the extension is missing or unknown (then sniff). Compressed archives keep
 * their own type: `x.tar.gz` is `application/gzip`, never a gzip Content-Encoding.
 */
export function contentTypeByName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  if (byName.has(ext)) return byName.get(ext);
  const type = mime.lookup(ext);
  const result = type === false ? undefined : mime.contentType(type) || type;
  // Bounded: only extensions mime-types knows are worth remembering.
  if (result !== undefined || byName.size < 1000) byName.set(ext, result);
  return result;
}

const signatures: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', [0x47, 0x49, 0x46, 0x38]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['application/gzip', [0x1f, 0x8b, 0x08]],
  ['application/wasm', [0x00, 0x61, 0x73, 0x6d]],
];

/**
 * Sniffs the first bytes of a file with no known extension: a few binary signatures, then text
 * (`text/plain; charset=utf-8`) when no byte is a WHATWG "binary data byte", else
 * `application/octet-stream`. HTML is deliberately never sniffed (Go does), so an unnamed upload
 * cannot become a page. Empty content is text, as in Go.
 */
export function sniffContentType(head: Uint8Array): string {
  for (const [type, sig] of signatures) {
    if (head.length >= sig.length && sig.every((b, i) => head[i] === b)) return type;
  }
  const n = Math.min(head.length, SNIFF_LENGTH);
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return BINARY;
  }
  return TEXT;
}
