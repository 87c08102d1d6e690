import { hash } from 'node:crypto';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { CONTENT_CODINGS, type ContentCoding, type EncodedBytes } from '../capabilities/encodings.js';
import { allocateContent } from './store.js';

type CreateStream = (options: object) => zlib.Zlib & Transform;

/** zlib's zstd (Node >= 22.15 and 23.8), looked up at run time: the types of older Nodes lack it. */
function zstdStream(): CreateStream | undefined {
  const create = (zlib as unknown as { createZstdCompress?: unknown }).createZstdCompress;
  return typeof create === 'function' ? (create as CreateStream) : undefined;
}

/** The codings this runtime's zlib can produce, best first: zstd only where zlib has it. */
export function runtimeCodings(): readonly ContentCoding[] {
  const zstd = zstdStream() !== undefined;
  return CONTENT_CODINGS.filter((coding) => coding !== 'zstd' || zstd);
}

// Extensions whose content compresses: text, and binary formats with no compression of their own.
// (woff2, images other than svg/ico/bmp, audio, video, archives are compressed already.)
const TEXT = new Set(
  'html htm xhtml shtml css js mjs cjs jsx ts tsx mts cts json jsonld map webmanifest xml xsl xslt svg rss atom txt text md markdown csv tsv yaml yml toml ini ics vtt srt glsl wgsl sh'.split(
    ' ',
  ),
);
const BINARY = new Set('wasm ico bmp ttf otf eot'.split(' '));

/**
 * Whether a file is worth compressing, by its extension; `'text'` tells brotli to expect text.
 * Without a known extension it is not: a guess wastes a core on a zip or a JPEG.
 */
export function compressible(path: string): 'text' | 'binary' | undefined {
  const dot = path.lastIndexOf('.');
  if (dot <= path.lastIndexOf('/') + 1) return undefined;
  const ext = path.slice(dot + 1).toLowerCase();
  return TEXT.has(ext) ? 'text' : BINARY.has(ext) ? 'binary' : undefined;
}

/**
 * Levels, by size, measured here on bundled JS (vite's largest chunk; 2 busy cores; Node 24 for zstd).
 * Brotli per 1 MiB: q11 1.5-2.2 s (21.1% of the input), q10 0.66-1.0 s (21.5%), q9 0.16-0.26 s (23.2%),
 * q5 35-60 ms (24.0%); per 64 KiB: q11 65-155 ms (24.2%), q10 33-80 ms (24.7%); per 20 KiB: q11 33-50
 * ms (26.6%), q10 13-17 ms (27.2%). gzip 9: 35-40 ms per 1 MiB (25.9%; level 6 gives the same). zstd
 * 19: 0.43 s per 1 MiB (21.8%) once told the size, 12: 0.12 s (23.7%). So q11 where a file's wait
 * stays short (up to 64 KiB: most of a site's files), q10 up to 1 MiB (2% larger, half the time), q5
 * beyond, where q10 would hold a slot for seconds.
 */
function defaultBrotliQuality(size: number): number {
  return size <= 64 * 1024 ? 11 : size <= 1024 * 1024 ? 10 : 5;
}

function zstdLevel(size: number): number {
  return size <= 1024 * 1024 ? 19 : 12;
}

/** How to compress one file. */
export interface EncodeOptions {
  kind: 'text' | 'binary';
  /** Brotli quality for every size, instead of the default by size. */
  brotliQuality: number | undefined;
  /** Asked before each piece of input: once it says no, the compression stops there. */
  wanted: () => boolean;
  /** Keep the result in a SharedArrayBuffer (MemFS's `shared`). */
  shared: boolean;
}

/** Input is fed in pieces this big, so a compression can stop between two (brotli q10-11 works in 256 KiB blocks). */
const CHUNK = 64 * 1024;

function compressor(coding: ContentCoding, size: number, { kind, brotliQuality }: EncodeOptions): zlib.Zlib & Transform {
  const { constants } = zlib;
  if (coding === 'gzip') return zlib.createGzip({ level: 9 });
  if (coding === 'br') {
    return zlib.createBrotliCompress({
      params: {
        [constants.BROTLI_PARAM_QUALITY]: brotliQuality ?? defaultBrotliQuality(size),
        [constants.BROTLI_PARAM_SIZE_HINT]: size,
        // A window no larger than the input: q9 spends 45 ms setting up a 4 MiB one for 4 KiB.
        [constants.BROTLI_PARAM_LGWIN]: Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.min(constants.BROTLI_MAX_WINDOW_BITS, Math.ceil(Math.log2(size + 1)))),
        [constants.BROTLI_PARAM_MODE]: kind === 'text' ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      },
    });
  }
  const create = zstdStream();
  if (create === undefined) throw new Error('this Node has no zstd in zlib');
  // Told the size, zstd sizes its window and tables to the input: 8 KiB at level 19 takes 7 ms instead of 318.
  const level = (constants as unknown as Record<string, number>).ZSTD_c_compressionLevel!;
  return create({ params: { [level]: zstdLevel(size) }, pledgedSrcSize: size });
}

/**
 * The `coding` encoding of `bytes`, computed on the libuv thread pool (zlib's streams), never on the
 * event loop. Once `options.wanted` says no, the compression stops at the end of the piece of input
 * it is on and resolves to undefined, with no work left running on the pool.
 */
export async function encode(coding: ContentCoding, bytes: Uint8Array, options: EncodeOptions): Promise<EncodedBytes | undefined> {
  const stream = compressor(coding, bytes.length, options);
  const chunks: Buffer[] = [];
  let length = 0;
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  const ended = new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  // A write that fails returns before `ended` is awaited: its rejection must not go unhandled.
  ended.catch(() => {});
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      if (!options.wanted()) return undefined;
      // Its callback runs once the pool has consumed the piece: nothing of it is left running.
      await new Promise<void>((resolve, reject) => stream.write(bytes.subarray(at, at + CHUNK), (err) => (err ? reject(err) : resolve())));
    }
    stream.end();
    await ended;
  } finally {
    stream.destroy();
  }
  // Its own exact-size buffer: a small Buffer.concat result is a slice of the shared 8 KiB pool, and
  // holding it would hold the whole slab.
  const own = allocateContent(length, options.shared);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(own, at);
  // Strong, and distinct from the identity ETag (a bare 43-character digest) and per coding: the
  // digest of exactly these bytes, so another zlib that encodes the same content differently never
  // shares a validator with this one.
  return { coding, bytes: own, etag: `${hash('sha256', own, 'base64url')}.${coding}` };
}
