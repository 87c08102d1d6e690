import { release } from '../capabilities/close-sync.js';
import { hasTryOpenSync, type TryOpenSyncFS } from '../capabilities/try-open-sync.js';
import { tryStat } from '../capabilities/try-stat.js';
import { DirectoryFile } from '../directory.js';
import { FsError } from '../errors.js';
import { joinPath } from '../path.js';
import type { File, FileInfo, FileSystem } from '../types.js';

/**
 * What a MemFS answers from while its first walk is still running (`serveWhileLoading`): the source
 * itself (the disk through its DiskFS, or the FileSystem mirrored), as the finished mirror will show it. Paths the mirror ignores stay hidden (a
 * path below an ignored directory too), and directories are listed through the MemFS, so their
 * listings leave the ignored names out as well. Every method takes a clean path.
 */
export class DiskView {
  readonly #disk: TryOpenSyncFS;
  readonly #ignored: (path: string) => boolean;
  readonly #owner: Pick<FileSystem, 'readdir'>;

  constructor(disk: FileSystem, ignored: (path: string) => boolean, owner: Pick<FileSystem, 'readdir'>) {
    if (!hasTryOpenSync(disk)) throw new TypeError('the mirror answers from its source synchronously while loading: the source needs tryOpenSync');
    this.#disk = disk;
    this.#ignored = ignored;
    this.#owner = owner;
  }

  tryOpenSync(clean: string): File | undefined {
    if (this.#hidden(clean)) return undefined;
    const file = this.#disk.tryOpenSync(clean);
    if (file === undefined) return undefined;
    // Files from tryOpenSync offer statSync (the contract; the conformance kit checks it).
    const info = file.statSync!();
    if (!info.isDirectory) return file;
    release(file);
    return new DirectoryFile(this.#owner, clean, info);
  }

  async tryStat(clean: string): Promise<FileInfo | undefined> {
    return this.#hidden(clean) ? undefined : tryStat(this.#disk, clean);
  }

  async readdir(clean: string): Promise<FileInfo[]> {
    if (this.#hidden(clean)) throw new FsError('ENOENT', clean);
    const entries = await this.#disk.readdir(clean);
    return entries.filter((entry) => !this.#ignored(joinPath(clean, entry.name)));
  }

  // The mirror never enters an ignored directory: nothing below one exists for it.
  #hidden(clean: string): boolean {
    for (let end = clean.indexOf('/', 1); ; end = clean.indexOf('/', end + 1)) {
      const path = end === -1 ? clean : clean.slice(0, end);
      if (path !== '/' && this.#ignored(path)) return true;
      if (end === -1) return false;
    }
  }
}
