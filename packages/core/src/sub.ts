import { hasChangeFeed, type ChangeEvent, type ChangeListener } from './capabilities/change-feed.js';
import { release } from './capabilities/close-sync.js';
import { hasTryOpen } from './capabilities/try-open.js';
import { hasTryOpenSync } from './capabilities/try-open-sync.js';
import { hasTryStat } from './capabilities/try-stat.js';
import { FsError, isFsError, toFsError } from './errors.js';
import { cleanPath } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';
import { WrappedFile, checkFileSystem, pathForError, type FileOwner } from './wrap.js';

/**
 * The tree below one directory of any backend, as a file system of its own: Go's `fs.Sub`, afero's
 * `BasePathFs`. Paths are cleaned before they are joined to the directory, so no spelling of `..`
 * climbs out of it (`/../x` is `/x` inside it); the root's info is named `/`; every error is an
 * {@link FsError} that names the SubFS path, never the inner one.
 *
 * It offers exactly the optional capabilities of the backend below (`tryOpen`, `tryStat`,
 * `tryOpenSync`, the change feed `watch`, and per file `bytes`, `statSync`, `closeSync`). The
 * change feed forwards the events below the directory with their paths translated (the directory
 * itself becomes `/`) and drops the others.
 *
 * Like `fs.Sub`, the constructor does not check that the directory exists (the backend below is
 * asynchronous, and a directory may come and go under a live mirror): while it is missing, every
 * path is `ENOENT`; while it is a file, `/` is `ENOTDIR`.
 *
 * A SubFS does not own the backend below: {@link SubFS.close} closes the view (later calls reject
 * with `EBADF`, its listeners stop) and leaves the backend open, since other views may share it.
 * The caller closes the backend.
 *
 * @example
 * ```ts
 * const site = new SubFS(await MemFS.mirror('./sites'), '/example.org');
 * const page = await readFile(site, '/index.html'); // ./sites/example.org/index.html
 * ```
 */
export class SubFS implements FileSystem {
  /** The backend below. */
  readonly fs: FileSystem;
  /** The clean path, in {@link SubFS.fs}, of the directory this view shows. */
  readonly dir: string;
  /** Present when the backend below has it (see {@link FileSystem.tryOpen}). */
  declare readonly tryOpen?: (path: string) => Promise<File | undefined>;
  /** Present when the backend below has it (see {@link FileSystem.tryStat}). */
  declare readonly tryStat?: (path: string) => Promise<FileInfo | undefined>;
  /** Present when the backend below has it (see {@link FileSystem.tryOpenSync}). */
  declare readonly tryOpenSync?: (path: string) => File | undefined;
  /** Present when the backend below has a change feed (see {@link ChangeFeedFS.watch}). */
  declare readonly watch?: (listener: ChangeListener) => () => void;
  readonly #prefix: string;
  // What the files it hands out consult: kept off the public surface.
  readonly #owner: FileOwner = { relabel: (err, path) => this.#relabel(err, path), show: (info, path) => this.#show(info, path) };
  readonly #stops = new Set<() => void>();
  #closed = false;
  // The renamed root info, kept while the backend hands out the same object, so a cache keyed on
  // the info's identity keeps hitting.
  #rootFrom: FileInfo | undefined;
  #rootInfo: FileInfo | undefined;

  /** @throws TypeError when `fs` is not a FileSystem or `dir` not a string without NUL. */
  constructor(fs: FileSystem, dir: string) {
    checkFileSystem(fs, 'SubFS fs');
    if (typeof dir !== 'string' || dir.includes('\0')) throw new TypeError(`SubFS dir must be a path string without NUL; got ${JSON.stringify(dir) ?? String(dir)}`);
    this.fs = fs;
    this.dir = cleanPath(dir);
    this.#prefix = this.dir === '/' ? '/' : this.dir + '/';
    if (hasTryOpen(fs)) this.tryOpen = (path) => this.#tryOpen(fs.tryOpen.bind(fs), path);
    if (hasTryStat(fs)) this.tryStat = (path) => this.#tryStat(fs.tryStat.bind(fs), path);
    if (hasTryOpenSync(fs)) this.tryOpenSync = (path) => this.#tryOpenSync(fs.tryOpenSync.bind(fs), path);
    if (hasChangeFeed(fs)) this.watch = (listener) => this.#watch(fs.watch.bind(fs), listener);
  }

  async open(path: string): Promise<File> {
    const clean = this.#clean(path);
    let file: File;
    try {
      file = await this.fs.open(this.#inner(clean));
    } catch (err) {
      throw this.#relabel(err, clean);
    }
    if (clean === '/' && !(await this.#isDirectory(file))) throw new FsError('ENOTDIR', '/');
    return new WrappedFile(file, clean, this.#owner);
  }

  async stat(path: string): Promise<FileInfo> {
    const clean = this.#clean(path);
    try {
      return this.#show(await this.fs.stat(this.#inner(clean)), clean);
    } catch (err) {
      throw this.#relabel(err, clean);
    }
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const clean = this.#clean(path);
    try {
      return await this.fs.readdir(this.#inner(clean));
    } catch (err) {
      throw this.#relabel(err, clean);
    }
  }

  async #tryOpen(tryOpen: (path: string) => Promise<File | undefined>, path: string): Promise<File | undefined> {
    const clean = this.#clean(path);
    let file: File | undefined;
    try {
      file = await tryOpen(this.#inner(clean));
    } catch (err) {
      throw this.#relabel(err, clean);
    }
    if (file === undefined || (clean === '/' && !(await this.#isDirectory(file)))) return undefined;
    return new WrappedFile(file, clean, this.#owner);
  }

  async #tryStat(tryStat: (path: string) => Promise<FileInfo | undefined>, path: string): Promise<FileInfo | undefined> {
    const clean = this.#clean(path);
    let info: FileInfo | undefined;
    try {
      info = await tryStat(this.#inner(clean));
    } catch (err) {
      throw this.#relabel(err, clean);
    }
    return info === undefined || (clean === '/' && !info.isDirectory) ? undefined : this.#show(info, clean);
  }

  // The hot path: one cleanPath, one string concat, the backend's own lookup, one small wrapper.
  #tryOpenSync(tryOpenSync: (path: string) => File | undefined, path: string): File | undefined {
    const clean = this.#clean(path);
    let file: File | undefined;
    try {
      file = tryOpenSync(this.#inner(clean));
      if (file === undefined) return undefined;
      if (clean === '/' && !file.statSync!().isDirectory) {
        release(file);
        return undefined;
      }
    } catch (err) {
      throw this.#relabel(err, clean);
    }
    return new WrappedFile(file, clean, this.#owner);
  }

  #watch(watch: (listener: ChangeListener) => () => void, listener: ChangeListener): () => void {
    this.#check('/');
    const stopInner = watch((event: ChangeEvent) => {
      const path = this.#outer(event.path);
      if (path !== undefined) listener(path === event.path ? event : { type: event.type, path });
      // The directory went away with an ancestor: the whole view is gone, even if the backend
      // announces only the ancestor.
      else if (event.type === 'unlinkDir' && this.#below(event.path)) listener({ type: 'unlinkDir', path: '/' });
    });
    const stop = (): void => {
      if (!this.#stops.delete(stop)) return;
      stopInner();
    };
    this.#stops.add(stop);
    return stop;
  }

  /** Closes this view and stops its listeners; the backend below stays open (see {@link SubFS}). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of [...this.#stops]) stop();
  }

  /** An FsError naming the SubFS path: `err`'s own path translated when it lies below the directory, else `path`. */
  #relabel(err: unknown, path: string): FsError {
    if (!isFsError(err)) return toFsError(err, path);
    const outer = this.#outer(err.path) ?? path;
    return outer === err.path ? err : new FsError(err.code, outer, detail(err), { cause: err });
  }

  /** The info at `path`, with the root renamed `/`; a root that is no directory is ENOTDIR. */
  #show(info: FileInfo, path: string): FileInfo {
    if (path !== '/' || info.name === '/') return info;
    if (!info.isDirectory) throw new FsError('ENOTDIR', '/');
    if (info !== this.#rootFrom) {
      this.#rootInfo = Object.freeze({ ...info, name: '/' });
      this.#rootFrom = info;
    }
    return this.#rootInfo!;
  }

  async #isDirectory(file: File): Promise<boolean> {
    try {
      if ((await file.stat()).isDirectory) return true;
    } catch (err) {
      release(file);
      throw this.#relabel(err, '/');
    }
    release(file);
    return false;
  }

  #clean(path: string): string {
    this.#check(path);
    return cleanPath(path);
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', pathForError(path), 'file system is closed');
  }

  #inner(clean: string): string {
    return this.dir === '/' ? clean : clean === '/' ? this.dir : this.dir + clean;
  }

  /** Whether the directory lies below the inner path `ancestor`. */
  #below(ancestor: string): boolean {
    return ancestor === '/' || this.dir.startsWith(ancestor + '/');
  }

  /** The SubFS path of an inner path; `undefined` outside the directory. */
  #outer(inner: string): string | undefined {
    if (this.dir === '/') return inner;
    if (inner === this.dir) return '/';
    return typeof inner === 'string' && inner.startsWith(this.#prefix) ? inner.slice(this.dir.length) : undefined;
  }
}

/** The message of `err` without its code and path, so a relabelled copy keeps the detail. */
function detail(err: FsError): string | undefined {
  const head = `${err.code}: `;
  const tail = `, '${err.path}'`;
  const message = err.message;
  return message.startsWith(head) && message.endsWith(tail) ? message.slice(head.length, message.length - tail.length) : undefined;
}
