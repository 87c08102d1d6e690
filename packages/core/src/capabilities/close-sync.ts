import type { File } from '../types.js';

/**
 * A file whose release needs no waiting (an in-memory file, a directory, a small file of DiskFS in
 * `io: 'sync'` mode): the capability {@link File.closeSync}. It never throws and may be called
 * again harmlessly. Callers use {@link release}, which falls back to a background
 * {@link File.close}.
 */
export interface CloseSyncFile extends File {
  /** Closes at once; never throws (see {@link File.closeSync}). */
  closeSync(): void;
}

/** Whether `file` offers {@link CloseSyncFile.closeSync}. */
export function hasCloseSync(file: File): file is CloseSyncFile {
  return typeof file.closeSync === 'function';
}

/**
 * Closes `file` without waiting for it: synchronously when it offers {@link File.closeSync} (no
 * promise at all), else in the background. A failure to close is ignored: it is for callers that
 * are done with the file and have nobody to report to, such as a request handler after a response.
 */
export function release(file: File): void {
  try {
    if (hasCloseSync(file)) file.closeSync();
    else file.close().catch(ignore);
  } catch {
    // A close that throws (against its contract) must not break a caller that is done with the file.
  }
}

function ignore(): void {}
