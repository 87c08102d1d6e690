import type { Volume } from 'memfs';
import type { ChangeFeedFS, ChangeListener } from './capabilities/change-feed.js';
import { found } from './capabilities/try-open-sync.js';
import { DirectoryFile } from './directory.js';
import { FsError, toFsError } from './errors.js';
import { MemFile } from './mirror/file.js';
import { baseName, cleanPath, compareNames, joinPath } from './path.js';
import type { File, FileInfo } from './types.js';
import { volumeAccess, type VolumeAccess, type VolumeEntry } from './volume-core.js';
import { VolumeFeed } from './volume-feed.js';

/** Options of {@link VolumeFS}. */
export interface VolumeFSOptions {
  /** The directory of the Volume to serve, an absolute path; default `'/'`. Nothing outside it is ever served. */
  root?: string;
  /**
   * Serve the Volume's own bytes without a copy (default true), through memfs internals that are
   * feature-detected: where they are missing every open copies, as `false` asks.
   */
  zeroCopy?: boolean;
}

const known = new Set(['root', 'zeroCopy']);

/** What a served path resolves to: the Volume's entry and its info, after the symlink policy. */
interface Resolved {
  readonly entry: VolumeEntry;
  readonly info: FileInfo;
}

/**
 * Serves a memfs `Volume` (what bundlers and build tools write into) read-only, as it is at each
 * call: nothing is copied at construction. Symbolic links are followed only when they lead inside
 * `root`; any other link looks missing. An open file keeps the version it opened: its bytes are
 * the Volume's own (zero-copy), and a write that memfs would make in place moves the file to a new
 * buffer first (see `volume-core.ts`), so what a reader holds never changes. Validators are weak
 * (`weakEtag` from inode, size and mtime): memfs keeps times to the millisecond, so two versions
 * written within one could share them.
 *
 * Changes are announced through {@link VolumeFS.watch} (from memfs's recursive `watch`), each once
 * memfs has finished the operation, so the listener sees it.
 *
 * @example
 * ```ts
 * import { Volume } from 'memfs';
 * const vol = new Volume();                // what a build writes into
 * vol.mkdirSync('/dist', { recursive: true });
 * vol.writeFileSync('/dist/index.html', '<h1>hi</h1>');
 * const fs = new VolumeFS(vol, { root: '/dist' });
 * const stop = fs.watch(({ type, path }) => console.log(type, path));
 * vol.writeFileSync('/dist/app.js', 'go()'); // then: add /app.js
 * ```
 */
export class VolumeFS implements ChangeFeedFS {
  /** The served directory of the Volume. */
  readonly root: string;
  readonly #vol: Volume;
  readonly #access: VolumeAccess;
  // The info last made for a file, kept while name, size and time stay: a handler's header cache
  // keyed on the info's identity then keeps hitting, as it does over the other in-memory backends.
  readonly #infos = new WeakMap<object, FileInfo>();
  readonly #feed: VolumeFeed;
  #closed = false;

  /** @throws TypeError naming a bad option, or when `volume` is not a memfs Volume. */
  constructor(volume: Volume, options: VolumeFSOptions = {}) {
    for (const method of ['statSync', 'readdirSync', 'realpathSync', 'readFileSync', 'watch'] as const) {
      if (typeof (volume as Partial<Volume> | null)?.[method] !== 'function')
        throw new TypeError(`VolumeFS needs a memfs Volume; got ${volume === null ? 'null' : typeof volume} without ${method}()`);
    }
    if (options === null || typeof options !== 'object') throw new TypeError(`VolumeFS options must be an object; got ${String(options)}`);
    for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`unknown VolumeFS option '${key}'`);
    const { root = '/', zeroCopy = true } = options;
    if (typeof root !== 'string' || !root.startsWith('/') || root.includes('\0'))
      throw new TypeError(`option 'root' must be an absolute path in the Volume; got ${JSON.stringify(root)}`);
    if (typeof zeroCopy !== 'boolean') throw new TypeError(`option 'zeroCopy' must be a boolean; got ${JSON.stringify(zeroCopy)}`);
    this.#vol = volume;
    this.root = cleanPath(root);
    this.#access = volumeAccess(volume, zeroCopy);
    this.#feed = new VolumeFeed(volume, this.root, {
      infoOf: (path) => (this.#closed ? undefined : this.#resolve(path)?.info),
      namesOf: (path) => (this.#closed ? [] : this.#names(path)),
      isLink: (path) => this.#isLink(path),
    });
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
  }

  /** The Volume path of a clean hotfs path, inside `root`. */
  #host(clean: string): string {
    return this.root === '/' ? clean : clean === '/' ? this.root : this.root + clean;
  }

  /**
   * Resolves a clean path through its links; undefined when it is missing or leads outside `root`
   * (or nowhere, or in a loop), as DiskFS hides such links.
   */
  #resolve(clean: string): Resolved | undefined {
    try {
      const entry = this.#access.find(this.#host(clean));
      if (entry === undefined || !(entry.isDirectory || entry.isFile)) return undefined;
      if (this.root !== '/') {
        const realRoot = this.#access.find(this.root)?.real;
        if (realRoot === undefined || (entry.real !== realRoot && !entry.real.startsWith(realRoot + '/'))) return undefined;
      }
      return { entry, info: this.#infoOf(entry, baseName(clean)) };
    } catch (err) {
      throw toFsError(err, clean);
    }
  }

  #infoOf(entry: VolumeEntry, name: string): FileInfo {
    const mtimeMs = Math.floor(entry.mtimeMs);
    const key = typeof entry.identity === 'object' ? entry.identity : undefined;
    const known = key && this.#infos.get(key);
    if (known && known.name === name && known.size === entry.size && known.mtimeMs === mtimeMs && known.isDirectory === entry.isDirectory) return known;
    const info: FileInfo = entry.isDirectory
      ? Object.freeze({ name, size: 0, mtimeMs, isDirectory: true })
      : Object.freeze({ name, size: entry.size, mtimeMs, isDirectory: false, weakEtag: `${entry.ino.toString(36)}-${entry.size.toString(36)}-${mtimeMs.toString(36)}` });
    if (key) this.#infos.set(key, info);
    return info;
  }

  #isLink(clean: string): boolean {
    try {
      return this.#vol.lstatSync(this.#host(clean)).isSymbolicLink();
    } catch {
      return false;
    }
  }

  #names(clean: string): string[] {
    const resolved = this.#resolve(clean);
    if (!resolved?.info.isDirectory) return [];
    return this.#vol.readdirSync(resolved.entry.real) as string[];
  }

  /** Opens at once (memfs is synchronous); undefined for a missing or hidden path. */
  tryOpenSync(path: string): File | undefined {
    this.#check(path);
    const clean = cleanPath(path);
    const resolved = this.#resolve(clean);
    if (!resolved) return undefined;
    if (resolved.info.isDirectory) return new DirectoryFile(this, clean, resolved.info);
    let bytes: Uint8Array;
    try {
      bytes = this.#access.bytes(resolved.entry);
    } catch (err) {
      throw toFsError(err, clean);
    }
    // The info was read a moment before, in the same synchronous turn: they describe one version.
    return new MemFile(clean, { info: resolved.info, bytes });
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    this.#check(path);
    return this.#resolve(cleanPath(path))?.info;
  }

  async stat(path: string): Promise<FileInfo> {
    const info = await this.tryStat(path);
    if (!info) throw new FsError('ENOENT', cleanPath(path));
    return info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    this.#check(path);
    const clean = cleanPath(path);
    const resolved = this.#resolve(clean);
    if (!resolved) throw new FsError('ENOENT', clean);
    if (!resolved.info.isDirectory) throw new FsError('ENOTDIR', clean);
    const out: FileInfo[] = [];
    for (const name of this.#vol.readdirSync(resolved.entry.real) as string[]) {
      const info = this.#resolve(joinPath(clean, name))?.info;
      if (info) out.push(info);
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  /**
   * The change feed ({@link ChangeFeedFS}): `listener` hears each change under `root` once memfs has
   * finished making it (in a microtask after the write). Watching starts with the first listener
   * and stops with the last. What a listener throws is logged and dropped.
   */
  watch(listener: ChangeListener): () => void {
    this.#check('/');
    return this.#feed.watch(listener);
  }

  /** Stops watching; later calls reject with EBADF. The Volume is left as it is; open files keep their bytes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#feed.stop();
  }
}
