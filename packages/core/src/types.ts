/**
 * The hotfs filesystem contract, modeled on Go's `http.FileSystem` and `io/fs`.
 *
 * Paths are slash-separated and rooted at `/` (`/`, `/docs/a.txt`). Every backend cleans them
 * with {@link cleanPath}, so `.`/`..` segments never climb above the root.
 *
 * @packageDocumentation
 */
import type { EncodedBytes } from './capabilities/encodings.js';

/**
 * What a backend knows about one file or directory. Read-only: backends may hand out the same
 * object to every caller (MemFS does, so a cache can key on identity).
 */
export interface FileInfo {
  /** Base name; `/` for the root. */
  readonly name: string;
  /** Size in bytes; 0 for directories. */
  readonly size: number;
  /** Modification time in milliseconds since the epoch. */
  readonly mtimeMs: number;
  /** True for directories. */
  readonly isDirectory: boolean;
  /**
   * Optional strong validator (an HTTP ETag without quotes): two different contents of this path
   * never carry the same one, so a client may splice byte ranges of responses that carry it (a
   * resumed download with `If-Range`). Never set together with {@link FileInfo.weakEtag}.
   */
  readonly etag?: string;
  /**
   * Optional weak validator (an HTTP ETag without quotes and without `W/`): it changes with the
   * content as far as the backend can tell, but two contents might share it (a file changed
   * within its timestamps' granularity). Good for revalidating a cache (304), never for ranges.
   * A backend sets it instead of {@link FileInfo.etag} when it cannot promise a strong one; the
   * HTTP layer sends it as `W/"…"` and falls back to a weak tag of its own when neither is set.
   */
  readonly weakEtag?: string;
}

/** An open file or directory. Always {@link File.close} it. */
export interface File {
  /** Metadata of the version that was opened. */
  stat(): Promise<FileInfo>;
  /**
   * Reads up to `into.length` bytes starting at `position` (like `pread`). Resolves to the number
   * of bytes read, 0 at or past the end of the file. Rejects with `EISDIR` on a directory.
   */
  read(into: Uint8Array, position: number): Promise<number>;
  /** Lists a directory, sorted by name ({@link compareNames}); rejects with `ENOTDIR` on a file. */
  readdir(): Promise<FileInfo[]>;
  /** Releases the file. Calling it again is harmless; any other call afterwards rejects with `EBADF`. */
  close(): Promise<void>;

  /**
   * Optional capability {@link BytesFile} (guard {@link hasBytes}): the whole content of the opened
   * version as one buffer, synchronously. An in-memory backend hands out the bytes it holds (no
   * copy); a disk backend may offer it for small files (one read). The bytes may be shared with
   * the backend and MUST NOT be modified. Use {@link readAll} rather than calling it.
   */
  bytes?(): Uint8Array;
  /**
   * Optional capability {@link StatSyncFile} (guard {@link hasStatSync}): {@link File.stat} without
   * a promise. Offered together with {@link FileSystem.tryOpenSync}; throws where `stat` would reject.
   */
  statSync?(): FileInfo;
  /**
   * Optional capability {@link CloseSyncFile} (guard {@link hasCloseSync}): {@link File.close}
   * without a promise, for files whose release needs no waiting (an in-memory file, a directory, a
   * small file of DiskFS in `io: 'sync'` mode). Never throws; calling it again is harmless. A
   * handler that closes a file per request saves a promise and a microtask. Use the
   * {@link release} helper rather than calling it.
   */
  closeSync?(): void;
  /**
   * Optional capability {@link EncodingsFile} (guard {@link hasEncodings}): the encoded
   * representations (br, zstd, gzip) of the opened version that are ready in memory now, best
   * first; empty while none is. They belong to this version: a later version never shows an earlier
   * one's. Shared with the backend: do not modify their bytes.
   */
  encodings?(): readonly EncodedBytes[];
}

/** A tree of files served from some backend. */
export interface FileSystem {
  /** Opens a file or directory. Rejects with an {@link FsError} (`ENOENT`, `ENOTDIR`, …). */
  open(path: string): Promise<File>;
  /** Metadata of a file or directory. */
  stat(path: string): Promise<FileInfo>;
  /** Lists a directory, sorted by name, without `.` and `..`. */
  readdir(path: string): Promise<FileInfo[]>;
  /** Releases watchers, handles and memory. The file system is unusable afterwards. */
  close(): Promise<void>;

  /**
   * Optional capability {@link TryOpenFS} (guard {@link hasTryOpen}): like {@link FileSystem.open},
   * but a path that does not exist (`ENOENT`, `ENOTDIR`) resolves to `undefined` instead of
   * rejecting, so a miss costs no Error. Use the {@link tryOpen} helper rather than calling it.
   */
  tryOpen?(path: string): Promise<File | undefined>;
  /**
   * Optional capability {@link TryStatFS} (guard {@link hasTryStat}): {@link FileSystem.stat} that
   * resolves to `undefined` for a missing path. Use the {@link tryStat} helper rather than calling it.
   */
  tryStat?(path: string): Promise<FileInfo | undefined>;
  /**
   * Optional capability {@link TryOpenSyncFS} (guard {@link hasTryOpenSync}): {@link FileSystem.tryOpen}
   * without a promise, for backends whose lookup costs less than a promise round trip (a Map
   * lookup, or a local disk's cached metadata). Returns `undefined` for a missing path and throws
   * an {@link FsError} where `open` would reject. Files it returns offer {@link File.statSync}. A
   * request handler uses it to answer without awaiting.
   */
  tryOpenSync?(path: string): File | undefined;
}
