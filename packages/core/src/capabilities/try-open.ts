import { isFsError } from '../errors.js';
import type { File, FileSystem } from '../types.js';

/**
 * A file system whose open of a missing path resolves to `undefined` instead of rejecting, so a
 * miss costs no Error: the capability {@link FileSystem.tryOpen}. Callers use {@link tryOpen},
 * which falls back to {@link FileSystem.open} and catches the miss.
 */
export interface TryOpenFS extends FileSystem {
  /** Opens `path`; `undefined` when it does not exist (see {@link FileSystem.tryOpen}). */
  tryOpen(path: string): Promise<File | undefined>;
}

/** Whether `fs` offers {@link TryOpenFS.tryOpen}. */
export function hasTryOpen(fs: FileSystem): fs is TryOpenFS {
  return typeof fs.tryOpen === 'function';
}

/**
 * Opens `path`, resolving to `undefined` when it does not exist (`ENOENT` or `ENOTDIR`).
 * Uses the backend's own {@link FileSystem.tryOpen} when it has one, so a miss throws nothing.
 */
export function tryOpen(fs: FileSystem, path: string): Promise<File | undefined> {
  // The backend's own promise, not one wrapping it: a request answered from memory pays no extra ticks.
  return hasTryOpen(fs) ? fs.tryOpen(path) : openOrUndefined(fs, path);
}

async function openOrUndefined(fs: FileSystem, path: string): Promise<File | undefined> {
  try {
    return await fs.open(path);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}
