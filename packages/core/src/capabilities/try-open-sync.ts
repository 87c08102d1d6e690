import { FsError } from '../errors.js';
import { cleanPath } from '../path.js';
import type { File, FileSystem } from '../types.js';

/**
 * A file system that opens without a promise, for backends whose lookup costs less than a promise
 * round trip (a Map lookup, a local disk's cached metadata): the capability
 * {@link FileSystem.tryOpenSync}. A missing path returns `undefined`; it throws an FsError where
 * {@link FileSystem.open} would reject. The files it returns offer {@link File.statSync} (the
 * conformance suite checks it; narrow with {@link hasStatSync}). There is no fallback helper, since
 * nothing can open synchronously without it: a caller without it uses {@link tryOpen}.
 */
export interface TryOpenSyncFS extends FileSystem {
  /** Opens `path` at once; `undefined` when it does not exist (see {@link FileSystem.tryOpenSync}). */
  tryOpenSync(path: string): File | undefined;
}

/** Whether `fs` offers {@link TryOpenSyncFS.tryOpenSync}. */
export function hasTryOpenSync(fs: FileSystem): fs is TryOpenSyncFS {
  return typeof fs.tryOpenSync === 'function';
}

/**
 * `value` when it was found, else an ENOENT FsError naming the clean `path`: how a backend with
 * {@link TryOpenSyncFS.tryOpenSync} (or a lookup that may miss) answers `open` or `stat`, which must
 * reject on a miss.
 */
export function found<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw new FsError('ENOENT', cleanPath(path));
  return value;
}
