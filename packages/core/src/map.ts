import type { ChangeEvent, ChangeFeedFS, ChangeListener } from './capabilities/change-feed.js';
import { found } from './capabilities/try-open-sync.js';
import { DirectoryFile } from './directory.js';
import { FsError } from './errors.js';
import { dirInfo, entriesOf, fileInfo, parseEntry, parseKey, type MapFSEntries, type MapFSValue, type ParsedEntry } from './map-entry.js';
import { MemFile, type HeldVersion } from './mirror/file.js';
import { baseName, cleanPath, compareNames, dirName, joinPath } from './path.js';
import type { File, FileInfo } from './types.js';

export type { MapFSEntries, MapFSEntry, MapFSValue } from './map-entry.js';

/**
 * A tree held in memory, given as path → content (Go's `fstest.MapFS`): for tests, generated
 * sites and build outputs. Directories are implied by the paths below them; a key ending in `/`
 * names a directory that may be empty. A string is served as its UTF-8 bytes. Content is copied
 * once when set, so the caller may reuse its array; `bytes()` of an open file then hands out the
 * held copy without another. Each version carries a strong etag (SHA-256 of the content, hashed
 * once per set) and `mtimeMs` = the time of the set, or the `mtimeMs` given with the content.
 * Adding or removing an entry sets its directory's `mtimeMs` to the time of the change, as a disk does.
 *
 * {@link MapFS.set} and {@link MapFS.delete} change the tree at once and announce it through the
 * change feed ({@link MapFS.watch}) right after; an open file keeps the version it opened.
 *
 * @example
 * ```ts
 * const fs = new MapFS({
 *   '/index.html': '<h1>hi</h1>',
 *   '/logo.png': { data: pngBytes, mtimeMs: Date.parse('2024-01-01') },
 *   '/uploads/': {},                        // an empty directory
 * });
 * const stop = fs.watch(({ type, path }) => console.log(type, path));
 * fs.set('/docs/a.md', '# A');               // addDir /docs, then add /docs/a.md
 * fs.delete('/docs');                        // unlinkDir /docs (and everything below it is gone)
 * stop();
 * ```
 */
export class MapFS implements ChangeFeedFS {
  // Every key is a clean path, so a request costs one Map.get.
  readonly #index = new Map<string, HeldVersion>();
  readonly #children = new Map<string, Set<string>>();
  readonly #listings = new Map<string, readonly FileInfo[]>();
  readonly #listeners = new Set<ChangeListener>();
  #closed = false;

  /**
   * Builds the tree from `entries` (clean absolute paths; see {@link MapFSValue}). No event is
   * announced for them: nobody can be watching yet.
   * @throws TypeError naming the path: not clean and absolute, a file and a directory at one path, a value of the wrong type.
   */
  constructor(entries: MapFSEntries = {}) {
    const now = Date.now();
    this.#index.set('/', { info: dirInfo('/', now) });
    this.#children.set('/', new Set());
    for (const [key, value] of entriesOf(entries)) this.#apply(parseEntry(key, value), now, undefined);
  }

  /**
   * Stores `value` at `path` (a key as in the constructor), replacing the file there, creating the
   * directories above it. Announces `addDir` for each new directory, top down, then `add` or
   * `change` for the file, once all of it is visible. Returns this file system.
   * @throws TypeError naming the path, as the constructor does; FsError EBADF after close.
   */
  set(path: string, value: MapFSValue): this {
    this.#check(String(path));
    const events: ChangeEvent[] = [];
    this.#apply(parseEntry(path, value), Date.now(), events);
    this.#announce(events);
    return this;
  }

  /**
   * Removes a file, or a directory with everything below it (`'/'` empties the tree). Announces
   * `unlink` or `unlinkDir` once it is gone. Returns whether `path` existed, like `Map.delete`.
   * @throws TypeError when `path` is not a clean absolute path; FsError EBADF after close.
   */
  delete(path: string): boolean {
    this.#check(String(path));
    const clean = parseKey(path).path;
    const entry = this.#index.get(clean);
    if (!entry) return false;
    const now = Date.now();
    const events: ChangeEvent[] = [];
    const doomed = clean === '/' ? [...this.#children.get('/')!].map((name) => joinPath('/', name)) : [clean];
    for (const victim of doomed) {
      const isDirectory = this.#index.get(victim)!.info.isDirectory;
      this.#removeTree(victim);
      this.#unlinkFromParent(victim, now);
      events.push({ type: isDirectory ? 'unlinkDir' : 'unlink', path: victim });
    }
    this.#announce(events);
    return true;
  }

  #apply(entry: ParsedEntry, now: number, events: ChangeEvent[] | undefined): void {
    const { path, bytes } = entry;
    const existing = this.#index.get(path);
    // Check everything before changing anything: a refused set leaves the tree as it was.
    if (existing && existing.info.isDirectory !== (bytes === undefined)) throw conflict(path);
    for (let dir = dirName(path); dir !== '/'; dir = dirName(dir)) {
      const above = this.#index.get(dir);
      if (above && !above.info.isDirectory) throw conflict(dir);
    }
    if (bytes === undefined) {
      if (existing) {
        if (entry.mtimeMs !== undefined) this.#replace(path, { info: dirInfo(path, entry.mtimeMs) });
        return;
      }
      this.#makeDirs(path, entry.mtimeMs ?? now, now, events);
      return;
    }
    this.#makeDirs(dirName(path), now, now, events);
    this.#replace(path, { info: fileInfo(path, bytes, entry.mtimeMs ?? now), bytes });
    if (!existing) this.#linkToParent(path, now, events);
    events?.push({ type: existing ? 'change' : 'add', path });
  }

  /** Creates `path` and any missing directory above it, top down. */
  #makeDirs(path: string, mtimeMs: number, now: number, events: ChangeEvent[] | undefined): void {
    if (this.#index.has(path)) return;
    this.#makeDirs(dirName(path), now, now, events);
    this.#index.set(path, { info: dirInfo(path, mtimeMs) });
    this.#children.set(path, new Set());
    this.#linkToParent(path, now, events);
    events?.push({ type: 'addDir', path });
  }

  /** Adds `path` to its parent's listing; a change after construction (`events`) also dates the parent. */
  #linkToParent(path: string, now: number, events: ChangeEvent[] | undefined): void {
    const parent = dirName(path);
    this.#children.get(parent)!.add(baseName(path));
    this.#listings.delete(parent);
    if (events) this.#replace(parent, { info: dirInfo(parent, now) });
  }

  #unlinkFromParent(path: string, now: number): void {
    const parent = dirName(path);
    this.#children.get(parent)!.delete(baseName(path));
    this.#listings.delete(parent);
    this.#replace(parent, { info: dirInfo(parent, now) });
  }

  /** Sets the version of `path`; its parent's cached listing shows the old info, so it goes. */
  #replace(path: string, version: HeldVersion): void {
    this.#index.set(path, version);
    if (path !== '/') this.#listings.delete(dirName(path));
  }

  #removeTree(path: string): void {
    const names = this.#children.get(path);
    if (names) for (const name of names) this.#removeTree(joinPath(path, name));
    this.#index.delete(path);
    this.#children.delete(path);
    this.#listings.delete(path);
  }

  #announce(events: ChangeEvent[]): void {
    if (this.#listeners.size === 0) return;
    const listeners = [...this.#listeners];
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          console.error(`hotfs: a MapFS change listener threw: ${(err as Error)?.message ?? String(err)}`);
        }
      }
    }
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', path, 'file system is closed');
  }

  /** Opens at once: one Map lookup, so a request handler can answer without awaiting. */
  tryOpenSync(path: string): File | undefined {
    this.#check(path);
    let clean = path;
    let entry = this.#index.get(path);
    if (entry === undefined) {
      clean = cleanPath(path);
      if (clean === path || (entry = this.#index.get(clean)) === undefined) return undefined;
    }
    return entry.info.isDirectory ? new DirectoryFile(this, clean, entry.info) : new MemFile(clean, entry);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    return this.#lookup(path)?.info;
  }

  async stat(path: string): Promise<FileInfo> {
    return found(this.#lookup(path), path).info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const entry = found(this.#lookup(path), path);
    if (!entry.info.isDirectory) throw new FsError('ENOTDIR', cleanPath(path));
    return this.#listing(cleanPath(path)).slice();
  }

  #lookup(path: string): HeldVersion | undefined {
    this.#check(path);
    return this.#index.get(path) ?? this.#index.get(cleanPath(path));
  }

  #listing(dir: string): readonly FileInfo[] {
    let listing = this.#listings.get(dir);
    if (!listing) {
      const names = [...this.#children.get(dir)!].sort(compareNames);
      listing = Object.freeze(names.map((name) => this.#index.get(joinPath(dir, name))!.info));
      this.#listings.set(dir, listing);
    }
    return listing;
  }

  /**
   * The change feed ({@link ChangeFeedFS}): `listener` hears every {@link MapFS.set} and
   * {@link MapFS.delete}, synchronously, once the change is visible. What it throws is logged and
   * dropped. Returns the function that stops it.
   */
  watch(listener: ChangeListener): () => void {
    this.#check('/');
    if (typeof listener !== 'function') throw new TypeError(`MapFS watch listener must be a function; got ${String(listener)}`);
    // A wrapper per call: the same function watching twice hears each change twice, and stops one at a time.
    const own: ChangeListener = (event) => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  /** Drops the tree and every listener; later calls reject with EBADF. Open files keep their bytes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#index.clear();
    this.#children.clear();
    this.#listings.clear();
    this.#listeners.clear();
  }
}

function conflict(path: string): TypeError {
  return new TypeError(`MapFS path '${path}' would be both a file and a directory`);
}
