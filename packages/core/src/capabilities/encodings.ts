import type { File } from '../types.js';

/** A content coding hotfs can serve (RFC 9110 §8.4.1), in the order a tie is broken: br, zstd, gzip. */
export type ContentCoding = 'br' | 'zstd' | 'gzip';

/** Every {@link ContentCoding}, best first: the order a server prefers among equally acceptable ones. */
export const CONTENT_CODINGS: readonly ContentCoding[] = Object.freeze(['br', 'zstd', 'gzip']);

/**
 * One encoded representation of a file version, held in memory beside it. It belongs to that
 * version: a new version of the file has its own (or none yet), never an older one's.
 */
export interface EncodedBytes {
  readonly coding: ContentCoding;
  /** The encoded content; shared with the backend, do not modify. */
  readonly bytes: Uint8Array;
  /** A strong validator of these bytes (an ETag without quotes), distinct from the identity version's. */
  readonly etag: string;
}

/**
 * A file whose opened version has encoded representations ready in memory: the capability
 * {@link File.encodings}. MemFS offers it when it computes encodings. An HTTP layer serves one of
 * them to a client that accepts its coding, and the identity bytes otherwise.
 */
export interface EncodingsFile extends File {
  /** The encodings of the opened version that are ready now, best first (see {@link File.encodings}). */
  encodings(): readonly EncodedBytes[];
}

/** Whether `file` offers {@link EncodingsFile.encodings}. */
export function hasEncodings(file: File): file is EncodingsFile {
  return typeof file.encodings === 'function';
}
