import { FsError } from '../errors.js';
import type { File, FileInfo, FileSystem } from '../types.js';

/** The identity of one version of a source file: its validator, size and time. */
export function sourceStamp(info: FileInfo): string {
  const validator = info.etag !== undefined ? `s${info.etag}` : info.weakEtag !== undefined ? `w${info.weakEtag}` : '';
  return `${validator}:${info.size}:${info.mtimeMs}`;
}

/**
 * A file of a FileSystem-sourced mirror whose content stays in the source (over the memory budget):
 * opened synchronously with the mirrored info, its content read from the source on first use. The
 * source's file must be the version the mirror announced: one that changed since answers ESTALE
 * (and `stale` tells the mirror to look again) rather than mixing two versions under one info.
 */
export class SourceFile implements File {
  readonly #source: FileSystem;
  readonly #path: string;
  readonly #info: FileInfo;
  readonly #stamp: string;
  readonly #stale: (path: string) => void;
  #opened: Promise<File> | undefined;
  #closed = false;

  constructor(source: FileSystem, path: string, info: FileInfo, stamp: string, stale: (path: string) => void) {
    this.#source = source;
    this.#path = path;
    this.#info = info;
    this.#stamp = stamp;
    this.#stale = stale;
  }

  statSync(): FileInfo {
    this.#check();
    return this.#info;
  }

  async stat(): Promise<FileInfo> {
    return this.statSync();
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    this.#check();
    this.#opened ??= this.#open();
    return (await this.#opened).read(into, position);
  }

  async readdir(): Promise<FileInfo[]> {
    this.#check();
    throw new FsError('ENOTDIR', this.#path);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = this.#opened;
    this.#opened = undefined;
    const file = await opened?.catch(() => undefined);
    await file?.close();
  }

  async #open(): Promise<File> {
    const file = await this.#source.open(this.#path);
    let info: FileInfo;
    try {
      info = await file.stat();
    } catch (err) {
      await file.close().catch(() => {});
      throw err;
    }
    if (info.isDirectory || sourceStamp(info) !== this.#stamp) {
      await file.close().catch(() => {});
      this.#stale(this.#path);
      throw new FsError('ESTALE', this.#path, 'changed since it was opened');
    }
    return file;
  }

  #check(): void {
    if (this.#closed) throw new FsError('EBADF', this.#path);
  }
}
