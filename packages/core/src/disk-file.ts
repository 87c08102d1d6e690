import { close, closeSync, constants, fstat, open, read, readSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { FsError, toFsError } from './errors.js';
import type { File, FileInfo } from './types.js';

/**
 * In `io: 'sync'` mode, reads up to this many bytes are blocking calls (a page-cache copy of a few
 * µs); larger ones go to the thread pool so a big file never stalls the event loop. At 64 KiB the
 * pool already wins: its read overlaps the event loop's work on another core (a 64 KiB file served
 * over HTTP, fresh server per sample: 31.1k req/s through the pool against 22.5k read blocking).
 */
export const SYNC_READ_LIMIT = 16 * 1024;

/** Promise forms of the fd calls (Node's FileHandle costs an object and a GC finalizer per open). */
export const openAsync = promisify(open);
export const fstatAsync = promisify(fstat) as (fd: number) => Promise<Stats>;
export const closeAsync = promisify(close);

function readAsync(fd: number, into: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Flags of every open: a FIFO must never block the open (in `io: 'sync'` mode that would stall the
 * whole process); a regular file or a directory ignores O_NONBLOCK.
 */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Regular files and directories are what a file system serves. A FIFO, socket or device is treated
 * as absent (its content is not a file's: reading a FIFO blocks, a device never ends).
 */
export function isServable(stats: Stats): boolean {
  return stats.isFile() || stats.isDirectory();
}

/**
 * How long after its last change (the later of mtime and ctime) a file's metadata ETag becomes
 * strong. Apache's rule (`ap_make_etag`): file times have a granularity (one clock tick, 4-10 ms on
 * many kernels; a second on some file systems), so a file changed within it may change again
 * without its times moving, and a tag made then could name two contents. Past it, any change moves
 * the ctime, which the tag includes.
 */
const STRONG_ETAG_AFTER_MS = 1000;

/**
 * Metadata in hotfs form from Node's stats: integer milliseconds, size 0 for directories. A file's
 * validator is its inode, size, mtime and ctime (microseconds: a double holds no more); it is
 * {@link FileInfo.etag} (strong) when `now` is at least {@link STRONG_ETAG_AFTER_MS} past the later
 * of mtime and ctime, else {@link FileInfo.weakEtag}. ctime cannot be set back (`utimes` sets only
 * atime and mtime), so a same-size rewrite under a forced old mtime still gets another tag.
 */
export function infoFromStats(name: string, stats: Stats, now = Date.now()): FileInfo {
  const mtimeMs = Math.floor(stats.mtimeMs);
  if (stats.isDirectory()) return { name, size: 0, mtimeMs, isDirectory: true };
  const tag = `${stats.ino.toString(36)}-${stats.size.toString(36)}-${micros(stats.mtimeMs)}-${micros(stats.ctimeMs)}`;
  const strong = now - Math.max(stats.mtimeMs, stats.ctimeMs) >= STRONG_ETAG_AFTER_MS;
  return strong ? { name, size: stats.size, mtimeMs, isDirectory: false, etag: tag } : { name, size: stats.size, mtimeMs, isDirectory: false, weakEtag: tag };
}

function micros(ms: number): string {
  return Math.round(ms * 1000).toString(36);
}

/** Rejects positions that `pread` would: negative, fractional or not a number. */
export function checkPosition(position: number, path: string): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new FsError('EINVAL', path, `invalid read position ${position}`);
}

/** An open regular file of a {@link DiskFS}: `read` is `pread` on its descriptor. */
export class DiskFile implements File {
  #fd: number | undefined;
  constructor(
    fd: number,
    protected readonly path: string,
    protected readonly info: FileInfo,
    private readonly sync: boolean,
  ) {
    this.#fd = fd;
  }

  async stat(): Promise<FileInfo> {
    return this.statSync();
  }

  statSync(): FileInfo {
    this.fd();
    return this.info;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    const fd = this.fd();
    checkPosition(position, this.path);
    if (into.length === 0) return 0;
    try {
      if (this.sync && into.length <= SYNC_READ_LIMIT) return readSync(fd, into, 0, into.length, position);
      return await readAsync(fd, into, position);
    } catch (err) {
      throw toFsError(err, this.path);
    }
  }

  async readdir(): Promise<FileInfo[]> {
    this.fd();
    throw new FsError('ENOTDIR', this.path);
  }

  async close(): Promise<void> {
    const fd = this.detach();
    if (fd === undefined) return;
    if (this.sync) closeSync(fd);
    else await closeAsync(fd);
  }

  /** Takes the descriptor out (undefined when already closed): the file is closed from here on. */
  protected detach(): number | undefined {
    const fd = this.#fd;
    this.#fd = undefined;
    return fd;
  }

  /** The descriptor; EBADF once closed. */
  protected fd(): number {
    if (this.#fd === undefined) throw new FsError('EBADF', this.path);
    return this.#fd;
  }
}

/**
 * A file of at most {@link SYNC_READ_LIMIT} bytes opened in `io: 'sync'` mode: it offers
 * {@link File.bytes}, read in one call the first time it is asked for, so a handler can send it
 * without awaiting. Shorter than `info.size` when the file shrank after it was opened.
 */
export class SmallDiskFile extends DiskFile {
  #bytes: Uint8Array | undefined;

  bytes(): Uint8Array {
    const fd = this.fd();
    if (this.#bytes !== undefined) return this.#bytes;
    const buf = Buffer.allocUnsafe(this.info.size);
    let filled = 0;
    try {
      while (filled < buf.length) {
        const n = readSync(fd, buf, filled, buf.length - filled, filled);
        if (n === 0) break;
        filled += n;
      }
    } catch (err) {
      throw toFsError(err, this.path);
    }
    this.#bytes = buf.subarray(0, filled);
    return this.#bytes;
  }

  /** `close(2)` as the blocking call `io: 'sync'` makes it anyway, without the promise. */
  closeSync(): void {
    const fd = this.detach();
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // The descriptor is released even when close(2) reports an error (Linux); nobody waits for it.
    }
  }
}
