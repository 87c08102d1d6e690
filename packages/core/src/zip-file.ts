import { checkPosition } from './disk-file.js';
import { FsError } from './errors.js';
import type { File, FileInfo } from './types.js';
import type { ArchiveData } from './zip-data.js';
import type { ZipEntry } from './zip-index.js';

/**
 * An open zip entry whose content is not in memory yet. Its content is loaded whole at the first
 * read (through the ZipFS's cache, `load`: a deflated entry inflated, a stored one read and checked)
 * and kept by this file until it is closed, so a read loop inflates once even when the entry is too
 * large to be cached. A stored entry too large for the cache (`whole` false) is read in place with
 * `pread`, range by range.
 */
export class ZipEntryFile implements File {
  #open = true;
  #content: Promise<Uint8Array> | undefined;
  constructor(
    private readonly path: string,
    private readonly info: FileInfo,
    private readonly entry: ZipEntry,
    private readonly data: ArchiveData,
    private readonly load: () => Promise<Uint8Array>,
    private readonly whole: boolean,
  ) {
    data.retain();
  }

  async stat(): Promise<FileInfo> {
    return this.statSync();
  }

  statSync(): FileInfo {
    this.#check();
    return this.info;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    this.#check();
    checkPosition(position, this.path);
    if (position >= this.entry.size || into.length === 0) return 0;
    if (!this.whole) return this.data.readStored(this.entry, this.path, into, position);
    // A failed inflation is not kept: the next read tries again (and fails again on a bad entry).
    this.#content ??= this.load().catch((err: unknown) => {
      this.#content = undefined;
      throw err;
    });
    const bytes = await this.#content;
    this.#check();
    const n = Math.min(into.length, bytes.length - position);
    into.set(bytes.subarray(position, position + n));
    return n;
  }

  async readdir(): Promise<FileInfo[]> {
    this.#check();
    throw new FsError('ENOTDIR', this.path);
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#content = undefined;
    this.data.release();
  }

  #check(): void {
    if (!this.#open) throw new FsError('EBADF', this.path);
  }
}
