import { isFsError } from './errors.js';
import type { File, FileInfo, FileSystem } from './types.js';

/**
 * Opens `path`, resolving to `undefined` when it does not exist (`ENOENT` or `ENOTDIR`).
 * Uses the backend's own {@link FileSystem.tryOpen} when it has one, so a miss throws nothing.
 */
export async function tryOpen(fs: FileSystem, path: string): Promise<File | undefined> {
  if (fs.tryOpen) return fs.tryOpen(path);
  try {
    return await fs.open(path);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** Stats `path`, resolving to `undefined` when it does not exist (`ENOENT` or `ENOTDIR`). */
export async function tryStat(fs: FileSystem, path: string): Promise<FileInfo | undefined> {
  if (fs.tryStat) return fs.tryStat(path);
  try {
    return await fs.stat(path);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}

/**
 * Closes `file` without waiting for it: synchronously when it offers {@link File.closeSync} (no
 * promise at all), else in the background. A failure to close is ignored: it is for callers that
 * are done with the file and have nobody to report to, such as a request handler after a response.
 */
export function release(file: File): void {
  try {
    if (file.closeSync !== undefined) file.closeSync();
    else file.close().catch(ignore);
  } catch {
    // A close that throws (against its contract) must not break a caller that is done with the file.
  }
}

function ignore(): void {}

/**
 * The whole content of an open file. Zero-copy when the backend offers {@link File.bytes}
 * (the result is then shared and must not be modified); otherwise read in one pass.
 */
export async function readAll(file: File): Promise<Uint8Array> {
  if (file.bytes) return file.bytes();
  const { size } = await file.stat();
  return readRange(file, 0, size);
}

/**
 * Reads bytes `[start, end)` of an open file into a new buffer. Stops early at the end of the file,
 * so the result can be shorter than asked if the file shrank.
 */
export async function readRange(file: File, start: number, end: number): Promise<Uint8Array> {
  if (file.bytes) return file.bytes().subarray(start, end);
  const out = new Uint8Array(Math.max(0, end - start));
  let filled = 0;
  while (filled < out.length) {
    const n = await file.read(out.subarray(filled), start + filled);
    if (n === 0) return out.subarray(0, filled);
    filled += n;
  }
  return out;
}

/** Opens, reads and closes a whole file: the convenience most callers want. */
export async function readFile(fs: FileSystem, path: string): Promise<Uint8Array> {
  const file = await fs.open(path);
  try {
    return await readAll(file);
  } finally {
    await file.close();
  }
}
