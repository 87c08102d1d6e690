import { release } from '../capabilities/close-sync.js';
import type { DiskFS } from '../disk.js';
import { DirectoryFile } from '../directory.js';
import { FsError } from '../errors.js';
import { joinPath } from '../path.js';
import type { File, FileInfo, FileSystem } from '../types.js';

/**
 * What a MemFS answers from while its first walk is still running (`serveWhileLoading`): the disk
 * through its DiskFS, as the finished mirror will show it. Paths the mirror ignores stay hidden (a
 * path below an ignored directory too), and directories are listed through the MemFS, so their
 * listings leave the ignored names out as well. Every method takes a clean path.
 */
export class DiskView {
  readonly #disk: DiskFS & Required<Pick<FileSystem, 'tryOpenSync'>>;
  readonly #ignored: (path: string) => boolean;
  readonly #owner: Pick<FileSystem, 'readdir'>;

  constructor(disk: DiskFS, ignored: (path: string) => boolean, owner: Pick<FileSystem, 'readdir'>) {
    if (disk.tryOpenSync === undefined) throw new TypeError('the mirror reads its disk synchronously');
    this.#disk = disk as DiskFS & Required<Pick<FileSystem, 'tryOpenSync'>>;
    this.#ignored = ignored;
    this.#owner = owner;
  }

  tryOpenSync(clean: string): File | undefined {
    if (this.#hidden(clean)) return undefined;
    const file = this.#disk.tryOpenSync(clean);
    if (file === undefined) return undefined;
    const info = file.statSync!();
    if (!info.isDirectory) return file;
    release(file);
    return new DirectoryFile(this.#owner, clean, info);
  }

  async tryStat(clean: string): Promise<FileInfo | undefined> {
    return this.#hidden(clean) ? undefined : this.#disk.tryStat(clean);
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
