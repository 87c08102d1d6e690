import { checkPosition } from '../disk-file.js';
import { FsError } from '../errors.js';
import type { File, FileInfo } from '../types.js';
import type { EncodedBytes, EncodingsFile } from '../capabilities/encodings.js';

/** One version of an in-memory file: its info and content, never changed once made. */
export interface HeldVersion {
  readonly info: FileInfo;
  readonly bytes?: Uint8Array;
}

/**
 * An opened version of an in-memory file (MemFS, MapFS, VolumeFS, ZipFS entries held in memory): its
 * info, size and bytes never change under the reader.
 */
export class MemFile implements File {
  #entry: HeldVersion | undefined;
  constructor(
    private readonly path: string,
    entry: HeldVersion,
  ) {
    this.#entry = entry;
  }

  async stat(): Promise<FileInfo> {
    return this.#check().info;
  }

  statSync(): FileInfo {
    return this.#check().info;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    const bytes = this.#check().bytes!;
    checkPosition(position, this.path);
    if (position >= bytes.length) return 0;
    const n = Math.min(into.length, bytes.length - position);
    into.set(bytes.subarray(position, position + n));
    return n;
  }

  /** Zero-copy view of this version's content. Do not modify it. */
  bytes(): Uint8Array {
    return this.#check().bytes!;
  }

  async readdir(): Promise<FileInfo[]> {
    this.#check();
    throw new FsError('ENOTDIR', this.path);
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    this.#entry = undefined;
  }

  #check(): HeldVersion {
    if (!this.#entry) throw new FsError('EBADF', this.path);
    return this.#entry;
  }
}

/**
 * An opened version of a MemFS file whose encodings MemFS computes: {@link MemFile} with
 * `encodings()`, those of THIS version ready now (the list grows as they are computed).
 */
export class EncodedMemFile<T extends HeldVersion> extends MemFile implements EncodingsFile {
  readonly #entry: T;
  readonly #of: (entry: T) => readonly EncodedBytes[];
  constructor(path: string, entry: T, encodingsOf: (entry: T) => readonly EncodedBytes[]) {
    super(path, entry);
    this.#entry = entry;
    this.#of = encodingsOf;
  }

  encodings(): readonly EncodedBytes[] {
    this.statSync();
    return this.#of(this.#entry);
  }
}
