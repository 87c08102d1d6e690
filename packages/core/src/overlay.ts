import { hasChangeFeed, type ChangeEvent, type ChangeFeedFS, type ChangeListener } from './capabilities/change-feed.js';
import { release } from './capabilities/close-sync.js';
import { hasTryOpen, tryOpen } from './capabilities/try-open.js';
import { hasTryOpenSync, type TryOpenSyncFS } from './capabilities/try-open-sync.js';
import { hasTryStat, tryStat } from './capabilities/try-stat.js';
import { DiskFS } from './disk.js';
import { FsError, isFsError, toFsError } from './errors.js';
import { MemFS } from './mem.js';
import { cleanPath, compareNames, dirName } from './path.js';
import { SubFS } from './sub.js';
import type { File, FileInfo, FileSystem } from './types.js';
import { WrappedFile, checkFileSystem, describeValue, pathForError, type FileOwner } from './wrap.js';

/**
 * Several backends stacked into one view, upper-most first: ZenFS's overlay, the read side of
 * afero's `CopyOnWriteFs`. For each path the upper-most layer that has it wins, whatever kind of
 * entry it holds there: `stat` and `open` give that entry (for a directory, the upper-most
 * directory's info). Below a path whose winning entry is a file nothing of the lower layers shows,
 * and a lower layer whose path is hidden under a file of its own is skipped the same way. A
 * directory lists the merge of every layer where that path is a directory, from the top down,
 * stopping at the first layer where it is a file; an upper name hides the same name below.
 *
 * Capabilities: `tryOpen`, `tryStat` and `tryOpenSync` exist when every layer has them; an opened
 * file has `bytes()`, `statSync()`, `closeSync()` when its own layer's file has them. The change
 * feed `watch` exists when every layer has one: a layer without a feed may change unannounced, and
 * a feed must never hide a change the view shows. It forwards every layer's events, including
 * changes an upper layer hides (the feed contract allows that); see {@link OverlayFS.watch}.
 *
 * Every error is an {@link FsError} naming the overlay path, whatever a layer threw. A path that
 * shows nowhere is `ENOENT`, also below a file.
 *
 * The overlay does not own its layers: {@link OverlayFS.close} closes the view (later calls reject
 * with `EBADF`, listeners stop) and leaves the layers open, since they may be shared. The caller
 * closes them. The layers are copied when the overlay is built and never change, so an overlay
 * can never reach itself through its layers.
 *
 * @example
 * ```ts
 * const site = new OverlayFS([new DiskFS('./overrides'), await MemFS.mirror('./public')]);
 * const page = await readFile(site, '/index.html'); // ./overrides/index.html when it exists
 * ```
 */
export class OverlayFS implements FileSystem {
  /** The layers, upper-most first. */
  readonly layers: readonly FileSystem[];
  /** Present when every layer has it (see {@link FileSystem.tryOpen}). */
  declare readonly tryOpen?: (path: string) => Promise<File | undefined>;
  /** Present when every layer has it (see {@link FileSystem.tryStat}). */
  declare readonly tryStat?: (path: string) => Promise<FileInfo | undefined>;
  /** Present when every layer has it (see {@link FileSystem.tryOpenSync}). */
  declare readonly tryOpenSync?: (path: string) => File | undefined;
  /**
   * Present when every layer has a change feed (see {@link ChangeFeedFS.watch}). Besides each
   * layer's events as they come, an `add` in a layer with layers below is preceded by `unlinkDir`
   * of that path (a new file may hide a lower directory and all it held), and after an `unlink` or
   * `unlinkDir` in such a layer, whatever that path now shows from below is announced as `add` or
   * `addDir` (after an `unlinkDir` when a file gave way to a directory). What a revealed directory
   * holds is not announced entry by entry.
   */
  declare readonly watch?: (listener: ChangeListener) => () => void;
  // Files of these layers throw nothing but FsErrors naming the same path: handed out unwrapped.
  readonly #trusted: boolean[];
  readonly #stops = new Set<() => void>();
  // What the files it hands out consult: kept off the public surface. Layers name entries as the
  // overlay does, so infos pass as they are.
  readonly #owner: FileOwner = { relabel, show: (info) => info };
  #closed = false;

  /** @throws TypeError when `layers` is not a non-empty array of FileSystems. */
  constructor(layers: readonly FileSystem[]) {
    const given: unknown = layers;
    if (!Array.isArray(given) || given.length === 0) throw new TypeError(`OverlayFS layers must be a non-empty array of FileSystems; got ${describeValue(layers)}`);
    layers.forEach((layer, i) => checkFileSystem(layer, `OverlayFS layer ${i}`));
    // A copy, frozen: the caller's array may change later, and putting the overlay into it must not
    // make the overlay its own layer.
    this.layers = Object.freeze([...layers]);
    this.#trusted = this.layers.map((l) => l instanceof MemFS || l instanceof DiskFS || l instanceof SubFS || l instanceof OverlayFS);
    if (this.layers.every(hasTryOpen)) this.tryOpen = (path) => this.#tryOpen(path);
    if (this.layers.every(hasTryStat)) this.tryStat = (path) => this.#tryStat(path);
    const { layers: all } = this;
    if (all.every(hasTryOpenSync)) this.tryOpenSync = (path) => this.#tryOpenSync(all, path);
    if (all.every(hasChangeFeed)) this.watch = (listener) => this.#watch(all, listener);
  }

  async open(path: string): Promise<File> {
    const clean = this.#clean(path);
    const file = await this.#tryOpen(clean);
    if (file === undefined) throw new FsError('ENOENT', clean);
    return file;
  }

  async stat(path: string): Promise<FileInfo> {
    const clean = this.#clean(path);
    const info = await this.#tryStat(clean);
    if (info === undefined) throw new FsError('ENOENT', clean);
    return info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const clean = this.#clean(path);
    try {
      const found = await this.#find(clean);
      if (found === undefined) throw new FsError('ENOENT', clean);
      if (!found.info.isDirectory) throw new FsError('ENOTDIR', clean);
      const first = await this.layers[found.index]!.readdir(clean);
      let merged: Map<string, FileInfo> | undefined;
      for (let i = found.index + 1; i < this.layers.length; i++) {
        const layer = this.layers[i]!;
        const info = await tryStat(layer, clean);
        if (info === undefined ? await this.#blocked(layer, clean) : !info.isDirectory) break;
        if (info === undefined) continue;
        merged ??= new Map(first.map((entry) => [entry.name, entry]));
        for (const entry of await listing(layer, clean)) if (!merged.has(entry.name)) merged.set(entry.name, entry);
      }
      return merged === undefined ? first : [...merged.values()].sort((a, b) => compareNames(a.name, b.name));
    } catch (err) {
      throw relabel(err, clean);
    }
  }

  async #tryOpen(path: string): Promise<File | undefined> {
    const clean = this.#clean(path);
    try {
      for (let i = 0; i < this.layers.length; i++) {
        const file = await tryOpen(this.layers[i]!, clean);
        if (file === undefined) continue;
        try {
          if (!(await this.#hiddenAbove(i, clean))) return this.#hand(file, i, clean, await file.stat());
        } catch (err) {
          release(file);
          throw err;
        }
        release(file);
        return undefined;
      }
      return undefined;
    } catch (err) {
      throw relabel(err, clean);
    }
  }

  async #tryStat(path: string): Promise<FileInfo | undefined> {
    const clean = this.#clean(path);
    try {
      return (await this.#find(clean))?.info;
    } catch (err) {
      throw relabel(err, clean);
    }
  }

  // The hot path. A hit in the upper layer costs its lookup and a statSync; a hit below adds one
  // miss per layer above, and, for a path below the root's children, a look at its ancestors
  // there (usually one more miss). Files of this package's backends are returned as they are.
  #tryOpenSync(layers: readonly TryOpenSyncFS[], path: string): File | undefined {
    this.#check(path);
    let file: File | undefined;
    let i = 0;
    try {
      for (; i < layers.length; i++) {
        file = layers[i]!.tryOpenSync(path);
        if (file !== undefined) break;
      }
      if (file === undefined) return undefined;
      if (i > 0 && dirName(path) !== '/' && this.#hiddenAboveSync(layers, i, cleanPath(path))) {
        release(file);
        return undefined;
      }
      const info = file.statSync!();
      return !info.isDirectory && this.#trusted[i] ? file : this.#hand(file, i, cleanPath(path), info);
    } catch (err) {
      if (file !== undefined) release(file);
      throw relabel(err, pathForError(path));
    }
  }

  #hand(file: File, index: number, clean: string, info: FileInfo): File {
    if (info.isDirectory) return new OverlayDirectory(file, clean, this.#owner, this);
    return this.#trusted[index] ? file : new WrappedFile(file, clean, this.#owner);
  }

  /** The winning entry of `clean`: the first layer that has it, unless a layer above hides it. */
  async #find(clean: string): Promise<{ index: number; info: FileInfo } | undefined> {
    for (let i = 0; i < this.layers.length; i++) {
      const info = await tryStat(this.layers[i]!, clean);
      if (info !== undefined) return (await this.#hiddenAbove(i, clean)) ? undefined : { index: i, info };
    }
    return undefined;
  }

  async #hiddenAbove(index: number, clean: string): Promise<boolean> {
    for (let i = 0; i < index; i++) if (await this.#blocked(this.layers[i]!, clean)) return true;
    return false;
  }

  /** Whether the nearest ancestor of `clean` that `layer` has is a file there, which hides `clean` and everything below. */
  async #blocked(layer: FileSystem, clean: string): Promise<boolean> {
    for (let path = dirName(clean); path !== '/'; path = dirName(path)) {
      const info = await tryStat(layer, path);
      if (info !== undefined) return !info.isDirectory;
    }
    return false;
  }

  #hiddenAboveSync(layers: readonly TryOpenSyncFS[], index: number, clean: string): boolean {
    for (let i = 0; i < index; i++) {
      for (let path = dirName(clean); path !== '/'; path = dirName(path)) {
        const file = layers[i]!.tryOpenSync(path);
        if (file === undefined) continue;
        try {
          if (!file.statSync!().isDirectory) return true;
        } finally {
          release(file);
        }
        break;
      }
    }
    return false;
  }

  #watch(layers: readonly ChangeFeedFS[], listener: ChangeListener): () => void {
    this.#check('/');
    const last = layers.length - 1;
    const stops = layers.map((layer, i) => layer.watch(i === last ? listener : (event) => this.#upperChange(event, listener)));
    const stop = (): void => {
      if (!this.#stops.delete(stop)) return;
      for (const stopLayer of stops) stopLayer();
    };
    this.#stops.add(stop);
    return stop;
  }

  // A change in a layer with layers below may hide or reveal what they hold at that path.
  #upperChange(event: ChangeEvent, listener: ChangeListener): void {
    if (event.type === 'add') listener({ type: 'unlinkDir', path: event.path });
    listener(event);
    if (event.type !== 'unlink' && event.type !== 'unlinkDir') return;
    this.#tryStat(event.path).then(
      (info) => {
        if (info === undefined || this.#closed) return;
        // A file gave way to a lower directory: what a consumer knew below the file goes too.
        if (info.isDirectory && event.type === 'unlink') listener({ type: 'unlinkDir', path: event.path });
        listener({ type: info.isDirectory ? 'addDir' : 'add', path: event.path });
      },
      () => {},
    );
  }

  /** Closes this view and stops its listeners; the layers stay open (see {@link OverlayFS}). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of [...this.#stops]) stop();
  }

  #clean(path: string): string {
    this.#check(path);
    return cleanPath(path);
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', pathForError(path), 'file system is closed');
  }
}

/** Whatever a layer threw, as an FsError naming `path` (a layer's FsError already names it). */
function relabel(err: unknown, path: string): FsError {
  return isFsError(err) ? err : toFsError(err, path);
}

/** A listing that vanished since its layer was asked about it is empty. */
async function listing(layer: FileSystem, clean: string): Promise<FileInfo[]> {
  try {
    return await layer.readdir(clean);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
}

/** A directory of the overlay: its info is the upper-most directory's, its listing the merge. */
class OverlayDirectory extends WrappedFile {
  constructor(
    inner: File,
    path: string,
    owner: FileOwner,
    private readonly overlay: OverlayFS,
  ) {
    super(inner, path, owner);
  }

  override async readdir(): Promise<FileInfo[]> {
    await this.stat();
    return this.overlay.readdir(this.path);
  }
}
