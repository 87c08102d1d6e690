import { hash } from 'node:crypto';
import { baseName, cleanPath } from './path.js';
import type { FileInfo } from './types.js';

/** A file's content with its modification time, or (without `data`, under a key ending in `/`) a directory's time. */
export interface MapFSEntry {
  /** The file's content: a string is stored as UTF-8. Absent for a directory. */
  readonly data?: string | Uint8Array;
  /**
   * Modification time in milliseconds since the epoch, floored to a whole millisecond as every
   * backend reports it; default the time of the set (or of construction).
   */
  readonly mtimeMs?: number;
}

/**
 * What a path of a {@link MapFS} holds: a file's content (a string is stored as UTF-8), or a
 * {@link MapFSEntry} with its time. A key ending in `/` names a directory, which may be empty; its
 * value is `{}` or `{ mtimeMs }`.
 */
export type MapFSValue = string | Uint8Array | MapFSEntry;

/** The tree given to {@link MapFS}: clean absolute path → value, as a plain object or a Map. */
export type MapFSEntries = Readonly<Record<string, MapFSValue>> | ReadonlyMap<string, MapFSValue>;

/** A checked key and value, ready to store. */
export interface ParsedEntry {
  /** Clean path, without the trailing slash of a directory key. */
  readonly path: string;
  /** Content of a file (owned: a copy or a fresh encoding); undefined for a directory. */
  readonly bytes: Uint8Array | undefined;
  readonly mtimeMs: number | undefined;
}

/**
 * Checks one key and value of a MapFS tree. Content is copied (a string is encoded into a fresh
 * array): the etag is hashed once here, and a caller writing into its array later must not make
 * it lie. A copy costs a small fraction of the hash (see the README).
 * @throws TypeError naming the path.
 */
export function parseEntry(key: unknown, value: unknown): ParsedEntry {
  const { path, isDir } = parseKey(key);
  if (typeof value === 'string' || value instanceof Uint8Array) {
    if (isDir) throw new TypeError(`MapFS directory ${JSON.stringify(key)} cannot hold content; give {} or { mtimeMs }`);
    return { path, bytes: own(value), mtimeMs: undefined };
  }
  if (value === null || typeof value !== 'object')
    throw new TypeError(`MapFS value of ${JSON.stringify(key)} must be a string, a Uint8Array or { data, mtimeMs }; got ${String(value)}`);
  for (const field of Object.keys(value)) {
    if (field !== 'data' && field !== 'mtimeMs') throw new TypeError(`MapFS value of ${JSON.stringify(key)} has an unknown field '${field}'`);
  }
  const { data, mtimeMs: given } = value as MapFSEntry;
  if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given))) {
    throw new TypeError(`MapFS mtimeMs of ${JSON.stringify(key)} must be a finite number; got ${String(given)}`);
  }
  const mtimeMs = given === undefined ? undefined : Math.floor(given);
  if (isDir) {
    if (data !== undefined) throw new TypeError(`MapFS directory ${JSON.stringify(key)} cannot hold data`);
    return { path, bytes: undefined, mtimeMs };
  }
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new TypeError(`MapFS data of ${JSON.stringify(key)} must be a string or a Uint8Array; got ${data === undefined ? 'nothing (a directory key ends in /)' : typeof data}`);
  }
  return { path, bytes: own(data), mtimeMs };
}

/**
 * A key's clean path, and whether it names a directory (ends in `/`).
 * @throws TypeError unless `key` is a clean absolute path, with or without one trailing slash.
 */
export function parseKey(key: unknown): { path: string; isDir: boolean } {
  if (typeof key !== 'string') throw new TypeError(`MapFS path must be a string; got ${String(key)}`);
  const isDir = key.endsWith('/');
  const path = isDir && key !== '/' ? key.slice(0, -1) : key;
  if (!isCleanAbsolute(path)) throw new TypeError(`MapFS path ${JSON.stringify(key)} is not a clean absolute path (like '/docs/a.txt', or '/docs/' for a directory)`);
  return { path, isDir };
}

/** The pairs of a tree given as a Map or a plain object. */
export function entriesOf(entries: unknown): Iterable<[unknown, unknown]> {
  if (entries instanceof Map) return entries;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new TypeError(`MapFS entries must be a plain object or a Map of path to content; got ${Array.isArray(entries) ? 'an array' : String(entries)}`);
  }
  return Object.entries(entries);
}

function isCleanAbsolute(path: string): boolean {
  if (!path.startsWith('/') || path.includes('\0')) return false;
  return cleanPath(path) === path;
}

const encoder = new TextEncoder();

/**
 * The content as a Buffer of its own: a socket takes a Buffer as it is, where a plain Uint8Array
 * is wrapped in one per write. Not data.slice() (a view on a Buffer), nor new Uint8Array(data)
 * (element by element: 10x slower for 5 MiB), nor Buffer.from (small ones share an 8 KiB pool
 * slab), nor Buffer.allocUnsafeSlow (measured up to 20x slower for 64 KiB here).
 */
function own(data: string | Uint8Array): Buffer {
  if (typeof data === 'string') {
    const encoded = encoder.encode(data);
    return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length);
  }
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return Buffer.from(copy.buffer, 0, copy.length);
}

/** The frozen info of a file version; its etag is the SHA-256 of the content, so it is strong. */
export function fileInfo(path: string, bytes: Uint8Array, mtimeMs: number): FileInfo {
  const etag = hash('sha256', bytes, 'buffer').toString('base64url');
  return Object.freeze({ name: baseName(path), size: bytes.length, mtimeMs, isDirectory: false, etag });
}

/** The frozen info of a directory. */
export function dirInfo(path: string, mtimeMs: number): FileInfo {
  return Object.freeze({ name: baseName(path), size: 0, mtimeMs, isDirectory: true });
}
