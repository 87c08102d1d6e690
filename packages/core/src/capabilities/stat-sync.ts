import type { File, FileInfo } from '../types.js';

/**
 * A file whose metadata can be read without a promise: the capability {@link File.statSync}.
 * Files returned by {@link TryOpenSyncFS.tryOpenSync} offer it, so a request handler can answer
 * without awaiting; it throws where {@link File.stat} would reject. There is no fallback helper: a
 * caller without it awaits {@link File.stat}.
 */
export interface StatSyncFile extends File {
  /** The opened version's metadata (see {@link File.statSync}). */
  statSync(): FileInfo;
}

/** Whether `file` offers {@link StatSyncFile.statSync}. */
export function hasStatSync(file: File): file is StatSyncFile {
  return typeof file.statSync === 'function';
}
