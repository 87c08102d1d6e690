import { FsError } from './errors.js';
import type { File, FileInfo, FileSystem } from './types.js';

/**
 * An open directory of any backend: `stat` gives the info it was opened with, `readdir` lists it
 * through its file system, `read` is EISDIR. DiskFS and MemFS share it.
 */
export class DirectoryFile implements File {
  #open = true;
  constructor(
    private readonly fs: Pick<FileSystem, 'readdir'>,
    private readonly path: string,
    private readonly info: FileInfo,
  ) {}

  async stat(): Promise<FileInfo> {
    return this.statSync();
  }

  statSync(): FileInfo {
    this.#check();
    return this.info;
  }

  async read(): Promise<number> {
    this.#check();
    throw new FsError('EISDIR', this.path);
  }

  async readdir(): Promise<FileInfo[]> {
    this.#check();
    return this.fs.readdir(this.path);
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new FsError('EBADF', this.path);
  }
}
