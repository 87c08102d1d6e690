import { checkPosition } from '../disk-file.js';
import { FsError } from '../errors.js';
import type { File, FileInfo } from '../types.js';
import type { MirrorEntry } from './store.js';

/** An opened version of a mirrored file: its info, size and bytes never change under the reader. */
export class MemFile implements File {
  #entry: MirrorEntry | undefined;
  constructor(
    private readonly path: string,
    entry: MirrorEntry,
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

  #check(): MirrorEntry {
    if (!this.#entry) throw new FsError('EBADF', this.path);
    return this.#entry;
  }
}
