/**
 * Encoded variants of a file: a precompressed sibling (`app.js.br` beside `app.js`) or an encoding
 * the backend holds in memory ({@link File.encodings}). Finding one is the only I/O here.
 * @module
 */
import { release, tryOpen, type ContentCoding, type EncodedBytes, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { parseAcceptEncoding, preferredEncodings } from './encoding.js';

/** The file name suffix of a precompressed sibling, per coding (the suffixes sirv, nginx and others use). */
const SIBLING_SUFFIX: Readonly<Record<ContentCoding, string>> = Object.freeze({ br: '.br', zstd: '.zst', gzip: '.gz' });

/** An encoded representation chosen for a request: the open file its bytes come from, and its metadata. */
export interface Variant {
  coding: ContentCoding;
  file: File;
  info: FileInfo;
  /** The sibling's own info, or the backend's encoding: what the variant's headers are cached by. */
  key: object;
}

/** Parsed `Accept-Encoding` values: browsers send a handful of distinct ones, so most requests hit. */
export class AcceptCache {
  readonly #known = new Map<string, readonly ContentCoding[]>();

  /** The codings worth sending for this `Accept-Encoding` value, best first (see {@link preferredEncodings}). */
  preferred(header: string | undefined): readonly ContentCoding[] {
    if (header === undefined) return NONE;
    let codings = this.#known.get(header);
    if (codings === undefined) {
      codings = Object.freeze(preferredEncodings(parseAcceptEncoding(header)));
      // A client sending a new value per request must not grow the map without bound.
      if (this.#known.size >= 256) this.#known.clear();
      this.#known.set(header, codings);
    }
    return codings;
  }
}

const NONE: readonly ContentCoding[] = Object.freeze([]);

/**
 * The first variant of `file` (at `path`) in the order of `codings`, looked up without a promise:
 * for each coding a sibling on the backend (when `siblings` allows that coding) wins over an
 * encoding the backend holds. `undefined` when there is none: the file is served as it is.
 */
export function findVariantSync(
  fs: FileSystem,
  path: string,
  file: File,
  identity: FileInfo,
  codings: readonly ContentCoding[],
  siblings: readonly ContentCoding[],
): Variant | undefined {
  for (const coding of codings) {
    if (siblings.includes(coding)) {
      const variant = siblingSync(fs, path, coding);
      if (variant !== undefined) return variant;
    }
    const held = heldEncoding(file, identity, coding);
    if (held !== undefined) return held;
  }
  return undefined;
}

/** {@link findVariantSync} for a backend without `tryOpenSync`. */
export async function findVariant(
  fs: FileSystem,
  path: string,
  file: File,
  identity: FileInfo,
  codings: readonly ContentCoding[],
  siblings: readonly ContentCoding[],
): Promise<Variant | undefined> {
  for (const coding of codings) {
    if (siblings.includes(coding)) {
      const variant = await sibling(fs, path, coding);
      if (variant !== undefined) return variant;
    }
    const held = heldEncoding(file, identity, coding);
    if (held !== undefined) return held;
  }
  return undefined;
}

// A sibling that cannot be opened or is not a file (unreadable, a name too long, a directory) is no
// sibling: the file itself is still served, as it would be without the option.
function siblingSync(fs: FileSystem, path: string, coding: ContentCoding): Variant | undefined {
  let file: File | undefined;
  try {
    file = fs.tryOpenSync!(path + SIBLING_SUFFIX[coding]);
    const info = file?.statSync!();
    if (file !== undefined && info !== undefined && !info.isDirectory) return { coding, file, info, key: info };
  } catch {
    // as if absent
  }
  if (file !== undefined) release(file);
  return undefined;
}

async function sibling(fs: FileSystem, path: string, coding: ContentCoding): Promise<Variant | undefined> {
  let file: File | undefined;
  try {
    file = await tryOpen(fs, path + SIBLING_SUFFIX[coding]);
    const info = await file?.stat();
    if (file !== undefined && info !== undefined && !info.isDirectory) return { coding, file, info, key: info };
  } catch {
    // as if absent
  }
  if (file !== undefined) release(file);
  return undefined;
}

// The file's bytes in `coding`, if its backend holds them for the opened version.
function heldEncoding(file: File, identity: FileInfo, coding: ContentCoding): Variant | undefined {
  if (file.encodings === undefined) return undefined;
  for (const encoded of file.encodings()) {
    if (encoded.coding !== coding) continue;
    const info = encodedInfo(identity, encoded);
    return { coding, file: new EncodedFile(encoded.bytes, info), info, key: encoded };
  }
  return undefined;
}

const infos = new WeakMap<EncodedBytes, FileInfo>();

// One FileInfo per encoding, so the handler's header cache hits by identity.
function encodedInfo(identity: FileInfo, encoded: EncodedBytes): FileInfo {
  let info = infos.get(encoded);
  if (info === undefined) {
    info = Object.freeze({ name: identity.name, size: encoded.bytes.length, mtimeMs: identity.mtimeMs, isDirectory: false, etag: encoded.etag });
    infos.set(encoded, info);
  }
  return info;
}

/** An encoding held in memory, as an open file the handler sends from (zero-copy). */
class EncodedFile implements File {
  constructor(
    private readonly encoded: Uint8Array,
    private readonly info: FileInfo,
  ) {}
  bytes(): Uint8Array {
    return this.encoded;
  }
  async stat(): Promise<FileInfo> {
    return this.info;
  }
  statSync(): FileInfo {
    return this.info;
  }
  async read(into: Uint8Array, position: number): Promise<number> {
    const bytes = this.encoded.subarray(position, position + into.length);
    into.set(bytes);
    return bytes.length;
  }
  async readdir(): Promise<FileInfo[]> {
    throw new Error('an encoded variant is not a directory');
  }
  async close(): Promise<void> {}
  closeSync(): void {}
}
