import type { EncodedBytes } from './capabilities/encodings.js';
import type { FsError } from './errors.js';
import { cleanPath } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';

/**
 * What a wrapper ({@link SubFS}, {@link OverlayFS}) tells the files it hands out: how an error of
 * the underlying file becomes one that names the wrapper's path, and how the underlying info is
 * shown (SubFS renames its root to `/`).
 */
export interface FileOwner {
  /** An {@link FsError} for `path`, whatever `err` was. */
  relabel(err: unknown, path: string): FsError;
  /** The info as the wrapper shows it at `path`. */
  show(info: FileInfo, path: string): FileInfo;
}

/**
 * A file of an underlying backend seen through a wrapper: every error names the wrapper's path and
 * is an FsError. `bytes`, `statSync` and `closeSync` exist exactly when the underlying file has
 * them, so the capability guards see the truth. They are shared functions stored on the instance,
 * not closures: wrapping a file costs one small object.
 */
export class WrappedFile implements File {
  declare bytes?: () => Uint8Array;
  declare statSync?: () => FileInfo;
  declare closeSync?: () => void;
  declare encodings?: () => readonly EncodedBytes[];

  constructor(
    /** The underlying file. */
    readonly inner: File,
    /** The path in the wrapper's view. */
    readonly path: string,
    /** The wrapper that opened it. */
    readonly owner: FileOwner,
  ) {
    if (typeof inner.bytes === 'function') this.bytes = bytes;
    if (typeof inner.statSync === 'function') this.statSync = statSync;
    if (typeof inner.closeSync === 'function') this.closeSync = closeSync;
    if (typeof inner.encodings === 'function') this.encodings = encodings;
  }

  async stat(): Promise<FileInfo> {
    try {
      return this.owner.show(await this.inner.stat(), this.path);
    } catch (err) {
      throw this.owner.relabel(err, this.path);
    }
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    try {
      return await this.inner.read(into, position);
    } catch (err) {
      throw this.owner.relabel(err, this.path);
    }
  }

  async readdir(): Promise<FileInfo[]> {
    try {
      return await this.inner.readdir();
    } catch (err) {
      throw this.owner.relabel(err, this.path);
    }
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } catch (err) {
      throw this.owner.relabel(err, this.path);
    }
  }
}

function bytes(this: WrappedFile): Uint8Array {
  try {
    return this.inner.bytes!();
  } catch (err) {
    throw this.owner.relabel(err, this.path);
  }
}

function statSync(this: WrappedFile): FileInfo {
  try {
    return this.owner.show(this.inner.statSync!(), this.path);
  } catch (err) {
    throw this.owner.relabel(err, this.path);
  }
}

// closeSync never throws: an underlying file that breaks that rule has released what it could.
function encodings(this: WrappedFile): readonly EncodedBytes[] {
  try {
    return this.inner.encodings!();
  } catch (err) {
    throw this.owner.relabel(err, this.path);
  }
}

function closeSync(this: WrappedFile): void {
  try {
    this.inner.closeSync!();
  } catch {
    // nothing to report to
  }
}

/** Throws a TypeError naming `what` unless `value` has the four methods of a {@link FileSystem}. */
export function checkFileSystem(value: unknown, what: string): asserts value is FileSystem {
  const fs = value as Partial<FileSystem> | null;
  if (typeof fs !== 'object' || fs === null || !['open', 'stat', 'readdir', 'close'].every((m) => typeof fs[m as keyof FileSystem] === 'function'))
    throw new TypeError(`${what} must be a FileSystem (an object with open, stat, readdir and close); got ${describeValue(value)}`);
}

/** A short description of a bad argument for a TypeError. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `an object with keys [${Object.keys(value).join(', ')}]`;
}

/** Cleans `path` for an error message; a path cleanPath refuses is named as it came. */
export function pathForError(path: unknown): string {
  try {
    return cleanPath(path as string);
  } catch {
    return String(path);
  }
}
