import { isFsError } from '../errors.js';
import type { FileInfo, FileSystem } from '../types.js';

/**
 * A file system whose stat of a missing path resolves to `undefined` instead of rejecting: the
 * capability {@link FileSystem.tryStat} (compare Go's `fs.StatFS`). Callers use {@link tryStat},
 * which falls back to {@link FileSystem.stat} and catches the miss.
 */
export interface TryStatFS extends FileSystem {
  /** Stats `path`; `undefined` when it does not exist (see {@link FileSystem.tryStat}). */
  tryStat(path: string): Promise<FileInfo | undefined>;
}

/** Whether `fs` offers {@link TryStatFS.tryStat}. */
export function hasTryStat(fs: FileSystem): fs is TryStatFS {
  return typeof fs.tryStat === 'function';
}

/** Stats `path`, resolving to `undefined` when it does not exist (`ENOENT` or `ENOTDIR`). */
export async function tryStat(fs: FileSystem, path: string): Promise<FileInfo | undefined> {
  if (hasTryStat(fs)) return fs.tryStat(path);
  try {
    return await fs.stat(path);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}
