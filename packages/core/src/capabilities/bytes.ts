import type { File, FileSystem } from '../types.js';

/**
 * A file that hands out the whole content of its opened version at once, synchronously: the
 * capability {@link File.bytes} (compare Go's `fs.ReadFileFS`, here on an open file). An in-memory
 * backend returns the bytes it holds, without a copy; the bytes may be shared with the backend and
 * must not be modified. Callers use {@link readAll} / {@link readRange}, which fall back to
 * {@link File.read} when a file lacks it.
 */
export interface BytesFile extends File {
  /** The content of the opened version; shared, do not modify (see {@link File.bytes}). */
  bytes(): Uint8Array;
}

/** Whether `file` offers {@link BytesFile.bytes}. */
export function hasBytes(file: File): file is BytesFile {
  return typeof file.bytes === 'function';
}

/**
 * The whole content of an open file. Zero-copy when the backend offers {@link File.bytes}
 * (the result is then shared and must not be modified); otherwise read in one pass.
 */
export async function readAll(file: File): Promise<Uint8Array> {
  if (hasBytes(file)) return file.bytes();
  const { size } = await file.stat();
  return readRange(file, 0, size);
}

/**
 * Bytes `[start, end)` of an open file. From a file that offers {@link BytesFile.bytes} it is a view
 * of the backend's own bytes (zero-copy: do not write into it); otherwise they are read into a new
 * buffer. Stops early at the end of the file, so the result can be shorter than asked if the file
 * shrank.
 */
export async function readRange(file: File, start: number, end: number): Promise<Uint8Array> {
  if (hasBytes(file)) return file.bytes().subarray(start, end);
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
