import { closeSync, read as readCallback } from 'node:fs';
import { promisify } from 'node:util';
import { crc32, inflateRaw as inflateRawCallback } from 'node:zlib';
import { FsError, toFsError } from './errors.js';
import type { ZipEntry } from './zip-index.js';

const readAsync = promisify(readCallback);
const inflateRaw = promisify(inflateRawCallback) as (buffer: Uint8Array, options: { maxOutputLength: number }) => Promise<Buffer>;

/**
 * The largest inflated/compressed ratio served. Deflate cannot exceed about 1032:1, so an honest
 * entry of repeated bytes still fits, while a bomb stops after at most 1000 times its own size.
 */
const MAX_RATIO = 1000;

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;

/**
 * The bytes of one archive: the whole file in memory (a small archive, read once at open), or a
 * descriptor read with `pread`. The descriptor stays open while any open file still uses it, so
 * closing the ZipFS does not break a response in flight; it is closed when the last one lets go.
 */
export class ArchiveData {
  readonly size: number;
  readonly #whole: Buffer | undefined;
  #fd: number | undefined;
  #users = 0;
  #closing = false;

  constructor(size: number, source: { fd: number } | { whole: Buffer }) {
    this.size = size;
    if ('fd' in source) this.#fd = source.fd;
    else this.#whole = source.whole;
  }

  /** Marks one more open file that may read; pair with {@link ArchiveData.release}. */
  retain(): void {
    this.#users++;
  }

  release(): void {
    this.#users--;
    if (this.#closing && this.#users === 0) this.#closeFd();
  }

  /** Closes the descriptor now, or when the last open file releases it. */
  close(): void {
    this.#closing = true;
    if (this.#users === 0) this.#closeFd();
  }

  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd); // a regular file's close does not wait on the disk
    } catch {
      // Nothing to report it to, and the descriptor is gone either way.
    }
  }

  /**
   * The content of a stored entry as a view of the archive held in memory, or undefined when the
   * archive is read from disk (or the entry is bad: its read then says why).
   */
  storedView(entry: ZipEntry): Uint8Array | undefined {
    if (!this.#whole || entry.method !== 0) return undefined;
    try {
      return this.#verifiedView(this.#whole, entry, '/');
    } catch {
      return undefined;
    }
  }

  // Held in memory, a stored entry costs one CRC-32 pass to check, once: it is never served unchecked.
  #verifiedView(whole: Buffer, entry: ZipEntry, path: string): Uint8Array {
    let start: number;
    try {
      start = this.#dataStartFrom(whole.subarray(entry.localHeaderOffset, entry.localHeaderOffset + LOCAL_HEADER_SIZE), entry);
    } catch (err) {
      throw new FsError('EIO', path, (err as Error).message);
    }
    const view = whole.subarray(start, start + entry.size);
    if (!entry.checked) {
      if (crc32(view) !== entry.crc32) throw new FsError('EIO', path, 'zip entry fails its CRC-32 check');
      entry.checked = true;
    }
    return view;
  }

  /**
   * Reads up to `into.length` bytes of a stored entry from `position`, like `pread`. From disk, the
   * bytes are not CRC-checked: a range cannot be, and reading the whole entry for each range would
   * defeat reading in place (entries small enough to be cached are read whole with
   * {@link ArchiveData.content} instead, and checked).
   */
  async readStored(entry: ZipEntry, path: string, into: Uint8Array, position: number): Promise<number> {
    const n = Math.min(into.length, entry.size - position);
    if (n <= 0) return 0;
    if (this.#whole) {
      into.set(this.#verifiedView(this.#whole, entry, path).subarray(position, position + n));
      return n;
    }
    return this.#holding(async () => {
      const start = await this.#dataStart(entry, path);
      await this.#readFully(into.subarray(0, n), start + position, path);
      return n;
    });
  }

  // A read that has begun finishes even when its file and the ZipFS close meanwhile.
  async #holding<T>(run: () => Promise<T>): Promise<T> {
    this.retain();
    try {
      return await run();
    } finally {
      this.release();
    }
  }

  /** The whole content of an entry: a stored one read and checked against its CRC-32, a deflated one inflated. */
  async content(entry: ZipEntry, path: string): Promise<Uint8Array> {
    if (entry.method === 8) return this.#inflate(entry, path);
    if (this.#whole) return this.#verifiedView(this.#whole, entry, path);
    const bytes = await this.#holding(async () => {
      const out = Buffer.allocUnsafe(entry.size);
      await this.#readFully(out, await this.#dataStart(entry, path), path);
      return out;
    });
    if (crc32(bytes) !== entry.crc32) throw new FsError('EIO', path, 'zip entry fails its CRC-32 check');
    return bytes;
  }

  /**
   * Inflates a deflated entry whole. Fails with EIO at once when its declared size is more than
   * {@link MAX_RATIO} times its compressed size, and as soon as the output passes the declared size
   * (so a bomb never costs more memory or work than that bound); checks the length and CRC-32 of what
   * came out.
   */
  async #inflate(entry: ZipEntry, path: string): Promise<Uint8Array> {
    // Its declared size alone says it cannot pass: no need to spend the work of finding out.
    if (entry.size > MAX_RATIO * entry.compressedSize) throw tooLarge(entry, path);
    const compressed = await this.#holding(async () => {
      const start = await this.#dataStart(entry, path);
      if (this.#whole) return this.#whole.subarray(start, start + entry.compressedSize);
      const bytes = Buffer.allocUnsafe(entry.compressedSize);
      await this.#readFully(bytes, start, path);
      return bytes;
    });
    const bound = Math.min(entry.size, MAX_RATIO * entry.compressedSize);
    let out: Buffer;
    try {
      // One byte past the bound tells "more than declared" from "exactly declared".
      out = await inflateRaw(compressed, { maxOutputLength: bound + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(entry, path);
      throw new FsError('EIO', path, `corrupt deflate data in zip entry: ${(err as Error).message}`, { cause: err });
    }
    if (out.length > bound) throw tooLarge(entry, path);
    if (out.length < entry.size) throw new FsError('EIO', path, `zip entry inflates to ${out.length} bytes, fewer than its declared ${entry.size}`);
    if (crc32(out) !== entry.crc32) throw new FsError('EIO', path, 'zip entry fails its CRC-32 check');
    return out;
  }

  async #dataStart(entry: ZipEntry, path: string): Promise<number> {
    if (entry.dataStart !== undefined) return entry.dataStart;
    let header: Uint8Array;
    if (this.#whole) header = this.#whole.subarray(entry.localHeaderOffset, entry.localHeaderOffset + LOCAL_HEADER_SIZE);
    else await this.#readFully((header = new Uint8Array(Math.min(LOCAL_HEADER_SIZE, Math.max(0, this.size - entry.localHeaderOffset)))), entry.localHeaderOffset, path);
    try {
      return this.#dataStartFrom(header, entry);
    } catch (err) {
      throw new FsError('EIO', path, (err as Error).message);
    }
  }

  // The local header repeats the name and has its own extra field: only it says where data begins.
  #dataStartFrom(header: Uint8Array, entry: ZipEntry): number {
    const view = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
    if (view.length < LOCAL_HEADER_SIZE || view.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new Error('zip entry has no valid local header');
    const start = entry.localHeaderOffset + LOCAL_HEADER_SIZE + view.readUInt16LE(26) + view.readUInt16LE(28);
    if (start + entry.compressedSize > this.size) throw new Error(`zip entry data runs past the end of the archive (${start + entry.compressedSize} > ${this.size})`);
    entry.dataStart = start;
    return start;
  }

  // Holds the descriptor for the read's duration: closed under it, its number could be reused by
  // another open, and the read would return that file's bytes.
  async #readFully(into: Uint8Array, position: number, path: string): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) throw new FsError('EBADF', path, 'zip archive is closed');
    await this.#holding(async () => {
      let filled = 0;
      while (filled < into.length) {
        let n: number;
        try {
          ({ bytesRead: n } = await readAsync(fd, into, filled, into.length - filled, position + filled));
        } catch (err) {
          throw toFsError(err, path);
        }
        if (n === 0) throw new FsError('EIO', path, 'zip archive ends before the entry does (was it truncated?)');
        filled += n;
      }
    });
  }
}

function tooLarge(entry: ZipEntry, path: string): FsError {
  const why =
    entry.size > MAX_RATIO * entry.compressedSize
      ? `more than ${MAX_RATIO} times its compressed size (${entry.compressedSize} bytes): a zip bomb?`
      : `more than its declared ${entry.size} bytes`;
  return new FsError('EIO', path, `zip entry inflates to ${why}`);
}

/**
 * A bounded map of content, least recently used evicted first. A hit costs a Map lookup and a
 * counter (it is on every open of a cached entry); the eviction scans for the oldest, which is
 * rare next to the read or inflation that fills the cache. An entry larger than the limit is never
 * held: the file that loaded it keeps it alone, for as long as it is open.
 */
export class ByteCache<K, V extends { readonly bytes: Uint8Array }> {
  readonly #map = new Map<K, { value: V; used: number }>();
  #bytes = 0;
  #clock = 0;
  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get(key: K): V | undefined {
    const held = this.#map.get(key);
    if (held === undefined) return undefined;
    held.used = ++this.#clock;
    return held.value;
  }

  set(key: K, value: V): void {
    const size = value.bytes.length;
    if (size > this.limit || this.#map.has(key)) return;
    while (this.#bytes + size > this.limit) this.#evictOldest();
    this.#map.set(key, { value, used: ++this.#clock });
    this.#bytes += size;
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  #evictOldest(): void {
    let oldest: K | undefined;
    let oldestUse = Infinity;
    for (const [key, held] of this.#map) {
      if (held.used < oldestUse) {
        oldest = key;
        oldestUse = held.used;
      }
    }
    const held = this.#map.get(oldest as K)!;
    this.#map.delete(oldest as K);
    this.#bytes -= held.value.bytes.length;
  }
}
