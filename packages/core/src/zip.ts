import { createHash } from 'node:crypto';
import { closeSync, fstat, open as openCallback, read } from 'node:fs';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { found } from './capabilities/try-open-sync.js';
import { OPEN_FLAGS } from './disk-file.js';
import { DirectoryFile } from './directory.js';
import { FsError, toFsError } from './errors.js';
import type { Logger } from './logger.js';
import { MemFile, type HeldVersion } from './mirror/file.js';
import { cleanPath } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';
import { ArchiveData, ByteCache } from './zip-data.js';
import { ZipEntryFile } from './zip-file.js';
import { WindowReader } from './zip-reader.js';
import { readTree, type ZipNode } from './zip-index.js';

// yauzl reads the central directory: mature, random access through one descriptor (it never reads
// the whole archive), zip64, CP437/UTF-8 and Info-ZIP unicode names, extended timestamps, and it
// refuses structural damage (bounds, signatures, truncation). fflate and unzipit want the archive
// in memory or their own reader, adm-zip reads it whole, zip.js is built around streams for the
// browser. The data itself is read here (pread, node:zlib inflateRaw with maxOutputLength), since
// serving needs random access into stored entries and a ratio bound on inflation.

/** Options of {@link ZipFS.open}. */
export interface ZipFSOptions {
  /**
   * Bytes of entry content kept in memory after a first read, least recently used evicted first:
   * inflated entries, and stored entries of an archive read from disk up to a quarter of this each
   * (larger stored entries are read in place). Default 64 MiB.
   */
  cacheBytes?: number;
  /** Deflated entries larger than this (inflated or compressed) are left out at open; default 256 MiB. */
  maxEntrySize?: number;
  /**
   * Archives up to this size are read into memory whole at open, and their stored entries are then
   * served as views of it (`bytes()`, no read at all); larger ones are read with `pread` from one
   * descriptor. Default 8 MiB; 0 always reads from disk.
   */
  preloadBytes?: number;
  /** Receives one warning per entry left out (they are also in {@link ZipFS.warnings}); default none. */
  logger?: Logger;
}

const openAsync = promisify(openCallback);
const fstatAsync = promisify(fstat);
const readAsync = promisify(read);

/** The whole archive, read into one buffer; short if it shrank since its size was taken. */
async function readWhole(fd: number, size: number): Promise<Buffer> {
  const whole = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await readAsync(fd, whole, filled, size - filled, filled);
    if (bytesRead === 0) return whole.subarray(0, filled);
    filled += bytesRead;
  }
  return whole;
}

const EMPTY = new Uint8Array(0);
const DEFAULTS = { cacheBytes: 64 * 1024 * 1024, maxEntrySize: 256 * 1024 * 1024, preloadBytes: 8 * 1024 * 1024 };
const optionNames = new Set(['cacheBytes', 'maxEntrySize', 'preloadBytes', 'logger']);

function checkOptions(options: ZipFSOptions): Required<Omit<ZipFSOptions, 'logger'>> & { logger: Logger | undefined } {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`ZipFS options must be an object; got ${JSON.stringify(options) ?? String(options)}`);
  for (const key of Object.keys(options)) if (!optionNames.has(key)) throw new TypeError(`unknown ZipFS option '${key}'`);
  const size = (name: 'cacheBytes' | 'maxEntrySize' | 'preloadBytes', min: number): number => {
    const value = options[name] ?? DEFAULTS[name];
    if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`option '${name}' must be an integer >= ${min}; got ${JSON.stringify(value) ?? String(value)}`);
    return value;
  };
  const { logger } = options;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function'))
    throw new TypeError("option 'logger' must be an object with info, warn and error methods");
  return { cacheBytes: size('cacheBytes', 0), maxEntrySize: size('maxEntrySize', 1), preloadBytes: size('preloadBytes', 0), logger };
}

// A logger that throws must not make the archive fail to open (nor leak its descriptor).
function warn(logger: Logger | undefined, message: string): void {
  try {
    logger?.warn(message);
  } catch {
    // Nothing to report it to.
  }
}

/**
 * The content of a `.zip` file as a read-only {@link FileSystem}. The central directory is read once
 * at open; directories are those the entry names imply, plus explicit directory entries. Stored
 * entries are read in place, deflated ones inflated whole at their first read and kept in an LRU
 * cache (`cacheBytes`); a file opened while its content is in memory offers zero-copy `bytes()`.
 *
 * Entries that cannot be served safely (unsafe or unclean names, symbolic links, duplicates,
 * encrypted, unsupported methods) are left out and listed in {@link ZipFS.warnings}; an entry whose
 * data turns out bad (a bomb, a wrong size or CRC) fails its read with EIO. `etag` is strong: the
 * archive's device, inode, size and mtime, hashed, plus the entry's offset, so it names one content
 * for as long as the archive is not rewritten in place (replace it by renaming a new one over it).
 * mtimes come from the entries: whole seconds (extended timestamp) or 2 s DOS time in local time.
 *
 * @example
 * ```ts
 * const fs = await ZipFS.open('./site.zip', { cacheBytes: 16 * 1024 * 1024 });
 * for (const warning of fs.warnings) console.warn(warning);
 * const html = new TextDecoder().decode(await readFile(fs, '/index.html'));
 * await fs.close();
 * ```
 */
export class ZipFS implements FileSystem {
  /** One line per archive entry that is not served, and why. */
  readonly warnings: readonly string[];
  readonly #nodes: Map<string, ZipNode>;
  readonly #data: ArchiveData;
  readonly #cache: ByteCache<ZipNode, HeldVersion & { readonly bytes: Uint8Array }>;
  readonly #inflating = new Map<ZipNode, Promise<Uint8Array>>();
  #closed = false;

  /**
   * Opens `zipPath` and reads its central directory.
   * @throws FsError: the archive's own code when it cannot be opened (ENOENT…), EISDIR for a
   * directory, EINVAL when it is not a readable zip archive; TypeError naming a bad option.
   */
  static async open(zipPath: string, options: ZipFSOptions = {}): Promise<ZipFS> {
    const { cacheBytes, maxEntrySize, preloadBytes, logger } = checkOptions(options);
    if (typeof zipPath !== 'string' || zipPath === '') throw new TypeError(`zipPath must be a non-empty string; got ${JSON.stringify(zipPath)}`);
    let fd: number;
    try {
      fd = await openAsync(zipPath, OPEN_FLAGS); // a FIFO must not block the open
    } catch (err) {
      throw new FsError(toFsError(err, zipPath).code, zipPath, 'cannot open zip archive', { cause: err });
    }
    let data: ArchiveData | undefined;
    try {
      const stats = await fstatAsync(fd, { bigint: true });
      if (stats.isDirectory()) throw new FsError('EISDIR', zipPath, 'a zip archive is a file, not a directory');
      if (!stats.isFile()) throw new FsError('EINVAL', zipPath, 'a zip archive must be a regular file');
      const size = Number(stats.size);
      const tagPrefix = createHash('sha256').update(`${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`).digest('base64url').slice(0, 16);
      const whole = size <= preloadBytes ? await readWhole(fd, size) : undefined;
      const zip = await yauzl
        .fromRandomAccessReaderPromise(new WindowReader(whole ? { whole } : { fd }, whole ? whole.length : size), whole ? whole.length : size, yauzlOptions)
        .catch((err: unknown) => {
          throw new FsError('EINVAL', zipPath, `not a readable zip archive: ${(err as Error).message}`, { cause: err });
        });
      const tree = await readTree(zip, { mtimeMs: Number(stats.mtimeMs), tagPrefix, maxEntrySize }).catch((err: unknown) => {
        throw new FsError('EINVAL', zipPath, `cannot read the zip central directory: ${(err as Error).message}`, { cause: err });
      });
      if (whole) closeSync(fd);
      data = new ArchiveData(whole ? whole.length : size, whole ? { whole } : { fd });
      const fs = new ZipFS(tree.nodes, tree.warnings, data, cacheBytes);
      for (const warning of tree.warnings) warn(logger, `hotfs: ${zipPath}: ${warning}`);
      return fs;
    } catch (err) {
      if (!data) closeSync(fd);
      throw toFsError(err, zipPath);
    }
  }

  /**
   * Validates `options` as {@link ZipFS.open} does, without touching the disk.
   * @throws TypeError naming a bad or unknown option.
   */
  static checkOptions(options: ZipFSOptions): void {
    checkOptions(options);
  }

  private constructor(nodes: Map<string, ZipNode>, warnings: string[], data: ArchiveData, cacheBytes: number) {
    this.#nodes = nodes;
    this.warnings = Object.freeze(warnings);
    this.#data = data;
    this.#cache = new ByteCache(cacheBytes);
  }

  /** Bytes of entry content the cache holds now (at most `cacheBytes`). */
  get cachedBytes(): number {
    return this.#cache.bytes;
  }

  // Every key is a clean path, so a path found as given needs no cleaning: only a miss pays for it.
  #lookup(path: string): ZipNode | undefined {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
    const node = this.#nodes.get(path);
    if (node) return node;
    const clean = cleanPath(path);
    return clean === path ? undefined : this.#nodes.get(clean);
  }

  /**
   * Opens without any I/O: metadata is all in memory, and content is read at the first `read`. A
   * file whose content is in memory (a stored entry of an archive held whole, or a cached inflated
   * entry) opens as a view of it.
   */
  tryOpenSync(path: string): File | undefined {
    const node = this.#lookup(path);
    if (!node) return undefined;
    const held = node.held ?? this.#held(node);
    if (held) return new MemFile(node.path, held);
    const { entry, info } = node;
    // The listing comes from the node, not the ZipFS, so an open directory outlives close() like a file.
    if (!entry) return new DirectoryFile({ readdir: async () => [...node.children!] }, node.path, info);
    // A stored entry is worth reading whole only if the cache can keep it (and keep others beside it).
    const whole = entry.method === 8 || entry.size <= this.#cache.limit / 4;
    return new ZipEntryFile(node.path, info, entry, this.#data, () => this.#load(node), whole);
  }

  // A stored entry of an archive held in memory keeps its version on its node for good (the archive
  // is held for as long as the ZipFS); anything else only while the cache keeps it.
  #held(node: ZipNode): HeldVersion | undefined {
    const { entry } = node;
    if (!entry) return undefined;
    // An empty stored entry has nothing to read or check (a CRC-32 of nothing is 0).
    if (entry.method === 0 && entry.size === 0 && entry.compressedSize === 0 && entry.crc32 === 0) return (node.held = { info: node.info, bytes: EMPTY });
    const bytes = entry.method === 0 ? this.#data.storedView(entry) : undefined;
    return bytes ? (node.held = { info: node.info, bytes }) : this.#cache.get(node);
  }

  // Concurrent first reads of one entry share one load.
  #load(node: ZipNode): Promise<Uint8Array> {
    const cached = this.#cache.get(node);
    if (cached) return Promise.resolve(cached.bytes);
    let pending = this.#inflating.get(node);
    if (!pending) {
      pending = this.#data.content(node.entry!, node.path).then((bytes) => {
        if (!this.#closed) this.#cache.set(node, { info: node.info, bytes });
        return bytes;
      });
      const settled = () => void this.#inflating.delete(node);
      pending.then(settled, settled);
      this.#inflating.set(node, pending);
    }
    return pending;
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async stat(path: string): Promise<FileInfo> {
    return found(this.#lookup(path), path).info;
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    return this.#lookup(path)?.info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const node = found(this.#lookup(path), path);
    if (!node.children) throw new FsError('ENOTDIR', node.path);
    return [...node.children];
  }

  /**
   * Later calls reject with EBADF and the cache is dropped. Files and directories still open keep
   * working: the archive's descriptor is closed when the last file reading from it is.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    this.#data.close();
  }
}

// Names are decoded and checked by zip-index.ts (an unsafe name leaves out its entry, where yauzl
// would refuse the whole archive); sizes of stored entries likewise.
const yauzlOptions = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false, strictFileNames: true };
