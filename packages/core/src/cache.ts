import { readAll } from './capabilities/bytes.js';
import { hasChangeFeed, type ChangeEvent, type ChangeListener } from './capabilities/change-feed.js';
import { release } from './capabilities/close-sync.js';
import { tryOpen } from './capabilities/try-open.js';
import { tryStat } from './capabilities/try-stat.js';
import { CacheDirectory, Flights, Lru, OutageLog, isOutage, resolveCacheOptions, validatorOf, type CacheFSOptions, type ResolvedCacheOptions } from './cache-parts.js';
import { FsError, toFsError } from './errors.js';
import { MemFile, type HeldVersion } from './mirror/file.js';
import { cleanPath, dirName } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';
import { WrappedFile, checkFileSystem, pathForError, type FileOwner } from './wrap.js';

/** A file held whole: the version files are opened on, and when the source last vouched for it. */
interface Held {
  version: Required<HeldVersion>;
  validator: string;
  at: number;
}

/** A remembered stat (`info` undefined: the path is missing) or listing, and when it was asked. */
interface Meta {
  info?: FileInfo | undefined;
  list?: readonly FileInfo[];
  at: number;
}

/** What a lookup in the source found; a file too big to hold comes with the file it opened, for one taker. */
type Found = { kind: 'held'; version: Required<HeldVersion> } | { kind: 'dir'; info: FileInfo } | { kind: 'big'; info: FileInfo; file: File | undefined } | undefined;

/**
 * A bounded read-through cache in front of any backend, for sources too large to mirror or far
 * away (an object store): the first open of a file reads it whole into memory, later opens answer
 * from memory with zero-copy `bytes()`, so the HTTP handler's in-memory path applies.
 *
 * - Content: a file of at most `maxFileSize` bytes is held whole; bigger files are opened from the
 *   source each time. Held content is bounded by `maxBytes`, least recently used first out. A file
 *   already opened keeps the bytes of its version, even once evicted or replaced.
 * - Freshness: an answer younger than `maxAge` is given without asking the source, so a change
 *   there shows up to `maxAge` late. An older file is revalidated with one `stat` of the source:
 *   the same validator (ETag, strong or weak, else size and mtime) renews it without a read;
 *   another one reads the new version. Concurrent requests for one path share one source call.
 * - Metadata: `stat` results, misses and `readdir` listings are remembered the same way, bounded by
 *   `maxEntries` (not by `maxBytes`), so a warm cache answers without a round trip to the source.
 * - Outages: when the source fails with anything but an answer about the path (ENOENT, ENOTDIR,
 *   EACCES, EISDIR, EINVAL), what the cache holds is served stale and trusted for another `maxAge`
 *   before the source is tried again; the outage is logged once when it starts and once when the
 *   source answers again. What the cache does not hold fails with the source's error.
 * - Change feed: when the source has one, its events drop what they touch at once and are
 *   forwarded by {@link CacheFS.watch} (present only then, like SubFS's). `maxAge` still applies,
 *   since a feed may miss a change.
 *
 * Capabilities: `tryOpen` and `tryStat` (a miss costs no Error); files held in memory and
 * directories offer `statSync`, `closeSync`, and held files `bytes()`. There is no `tryOpenSync`:
 * a path the cache has not seen needs the source, and that contract cannot say "not known yet".
 * A held, young file still costs about what MemFS costs to serve: `tryOpen` resolves it with no
 * promise in between, and the handler answers a file with `statSync` right after that one promise.
 *
 * The cache does not own its source: {@link CacheFS.close} drops what it holds and stops its
 * listeners (later calls reject with `EBADF`) and leaves the source open, as SubFS and OverlayFS do.
 *
 * @example
 * ```ts
 * const origin = new DiskFS('/mnt/slow-nfs/site');
 * const site = new CacheFS(origin, { maxBytes: 256 * 1024 * 1024, maxAge: 5_000, logger: console });
 * http.createServer(createHandler(site)).listen(8080);
 * ```
 */
export class CacheFS implements FileSystem {
  /** The backend the cache reads through. */
  readonly source: FileSystem;
  /** The checked options, with defaults filled in. */
  readonly options: ResolvedCacheOptions;
  /** Present when the source has a change feed (see {@link ChangeFeedFS.watch}): the source's events, after the cache dropped what they touch. */
  declare readonly watch?: (listener: ChangeListener) => () => void;
  readonly #content: Lru<Held>;
  // Stats under the path, listings under the path + NUL (no path contains one).
  readonly #meta: Lru<Meta>;
  readonly #flights = new Flights<Found | FileInfo | undefined | readonly FileInfo[]>();
  readonly #outage: OutageLog;
  readonly #listeners = new Set<ChangeListener>();
  readonly #owner: FileOwner = { relabel: (err, path) => toFsError(err, path), show: (info) => info };
  readonly #stopFeed: (() => void) | undefined;
  // Bumped by every change event and by close: a source call begun before it stores nothing.
  #epoch = 0;
  #closed = false;

  /** @throws TypeError when `source` is not a FileSystem or an option is bad (naming it). */
  constructor(source: FileSystem, options: CacheFSOptions) {
    checkFileSystem(source, 'CacheFS source');
    this.options = resolveCacheOptions(options);
    this.#content = new Lru(this.options.maxBytes);
    this.#meta = new Lru(this.options.maxEntries);
    this.#outage = new OutageLog(this.options.logger);
    this.source = source;
    if (hasChangeFeed(source)) {
      this.#stopFeed = source.watch((event) => this.#changed(event));
      this.watch = (listener) => this.#watch(listener);
    }
  }

  /**
   * Validates `options` as the constructor does, without a source (a command line checks every value
   * before it opens anything).
   * @throws TypeError naming a bad or unknown option.
   */
  static checkOptions(options: CacheFSOptions): void {
    resolveCacheOptions(options);
  }

  /** What the cache holds now: content bytes, files held whole, metadata entries. */
  get usage(): { readonly bytes: number; readonly files: number; readonly entries: number } {
    return { bytes: this.#content.total, files: this.#content.size, entries: this.#meta.total };
  }

  async open(path: string): Promise<File> {
    const clean = this.#clean(path);
    return (await this.#open(clean)) ?? missing(clean);
  }

  /** {@link FileSystem.tryOpen}: `undefined` for a missing path. */
  tryOpen(path: string): Promise<File | undefined> {
    // Not async: a held, young file (the common answer) resolves with no promise in between.
    const hot = this.#closed || typeof path !== 'string' ? undefined : this.#hot(cleanPath(path));
    return hot === undefined ? this.#tryOpen(path) : Promise.resolve(hot);
  }

  async #tryOpen(path: string): Promise<File | undefined> {
    return this.#open(this.#clean(path));
  }

  async stat(path: string): Promise<FileInfo> {
    const clean = this.#clean(path);
    return (await this.#stat(clean)) ?? missing(clean);
  }

  /** {@link FileSystem.tryStat}: `undefined` for a missing path. */
  async tryStat(path: string): Promise<FileInfo | undefined> {
    return this.#stat(this.#clean(path));
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const clean = this.#clean(path);
    const listed = this.#fresh(clean + '\0');
    if (listed !== undefined) return [...listed.list!];
    const meta = this.#fresh(clean);
    if (meta !== undefined && meta.info === undefined) missing(clean);
    const known = this.#held(clean)?.version.info ?? meta?.info;
    if (known !== undefined && !known.isDirectory) throw new FsError('ENOTDIR', clean);
    return [...(await this.#flights.run('d' + clean, () => this.#list(clean)))];
  }

  /** Drops what the cache holds and stops its listeners; the source stays open (see {@link CacheFS}). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#epoch++;
    this.#stopFeed?.();
    this.#listeners.clear();
    this.#flights.clear();
    this.#content.clear();
    this.#meta.clear();
  }

  /** The held file at `clean`, opened, while it is young: an answer that needs no source. */
  #hot(clean: string): File | undefined {
    const held = this.#content.get(clean);
    return held !== undefined && this.#young(held.at) ? new MemFile(clean, this.#content.use(clean)!.version) : undefined;
  }

  async #open(clean: string): Promise<File | undefined> {
    const hot = this.#hot(clean);
    if (hot !== undefined) return hot;
    const held = this.#content.get(clean);
    if (held !== undefined) {
      return this.#hand(clean, await this.#flights.run('v' + clean, () => this.#revalidate(clean, held)));
    }
    const meta = this.#fresh(clean);
    if (meta !== undefined) {
      const info = meta.info;
      if (info === undefined) return undefined;
      if (info.isDirectory) return new CacheDirectory(clean, info, (p) => this.readdir(p));
      if (info.size > this.options.maxFileSize) return this.#passThrough(clean);
    }
    return this.#hand(clean, await this.#flights.run('o' + clean, () => this.#load(clean)));
  }

  #hand(clean: string, found: Found): File | undefined | Promise<File | undefined> {
    if (found === undefined) return undefined;
    if (found.kind === 'held') return new MemFile(clean, found.version);
    if (found.kind === 'dir') return new CacheDirectory(clean, found.info, (p) => this.readdir(p));
    const file = found.file;
    found.file = undefined;
    return file === undefined ? this.#passThrough(clean) : new WrappedFile(file, clean, this.#owner);
  }

  async #passThrough(clean: string): Promise<File | undefined> {
    const epoch = this.#epoch;
    const file = await this.#outage.ask(clean, () => tryOpen(this.source, clean));
    if (file === undefined) this.#remember(clean, { info: undefined }, epoch);
    return file && new WrappedFile(file, clean, this.#owner);
  }

  /** Opens `clean` in the source and, when it is a small file, reads and holds it whole. */
  async #load(clean: string): Promise<Found> {
    const epoch = this.#epoch;
    const file = await this.#outage.ask(clean, () => tryOpen(this.source, clean));
    if (file === undefined) {
      this.#remember(clean, { info: undefined }, epoch);
      return undefined;
    }
    let version: Required<HeldVersion>;
    try {
      const info = await this.#outage.ask(clean, () => file.stat());
      this.#remember(clean, { info }, epoch);
      if (info.isDirectory || info.size > this.options.maxFileSize) {
        if (!info.isDirectory) return { kind: 'big', info, file };
        release(file);
        return { kind: 'dir', info };
      }
      version = { info, bytes: await this.#outage.ask(clean, () => readAll(file)) };
    } catch (err) {
      release(file);
      throw err;
    }
    release(file);
    if (version.bytes.length !== version.info.size) throw new FsError('ESTALE', clean, 'changed while it was read');
    if (epoch === this.#epoch) this.#content.set(clean, { version, validator: validatorOf(version.info), at: Date.now() }, version.bytes.length);
    return { kind: 'held', version };
  }

  async #revalidate(clean: string, held: Held): Promise<Found> {
    const epoch = this.#epoch;
    try {
      const info = await this.#statSource(clean, epoch);
      if (info !== undefined && this.#renew(clean, held, info, epoch)) return { kind: 'held', version: held.version };
      if (this.#content.get(clean) === held) this.#content.delete(clean);
      return info === undefined ? undefined : await this.#flights.run('o' + clean, () => this.#load(clean));
    } catch (err) {
      if (!isOutage(err as FsError)) throw err;
      // Trusted for another maxAge: an outage costs one source call per path and maxAge, not one per request.
      held.at = Date.now();
      return { kind: 'held', version: held.version };
    }
  }

  async #stat(clean: string): Promise<FileInfo | undefined> {
    const held = this.#held(clean);
    if (held !== undefined) return held.version.info;
    const meta = this.#fresh(clean);
    if (meta !== undefined) return meta.info;
    return await this.#flights.run('s' + clean, () => this.#statStale(clean));
  }

  async #statStale(clean: string): Promise<FileInfo | undefined> {
    const epoch = this.#epoch;
    try {
      const info = await this.#statSource(clean, epoch);
      const held = this.#content.get(clean);
      if (held !== undefined && (info === undefined || !this.#renew(clean, held, info, epoch))) this.#content.delete(clean);
      return info;
    } catch (err) {
      const held = this.#content.get(clean);
      const meta = this.#meta.get(clean);
      if (!isOutage(err as FsError) || (held ?? meta) === undefined) throw err;
      if (held !== undefined) held.at = Date.now();
      if (meta !== undefined) meta.at = Date.now();
      return held?.version.info ?? meta!.info;
    }
  }

  /** One stat of the source, remembered (a miss too). */
  async #statSource(clean: string, epoch: number): Promise<FileInfo | undefined> {
    const info = await this.#outage.ask(clean, () => tryStat(this.source, clean));
    this.#remember(clean, { info }, epoch);
    return info;
  }

  /** Whether `info` is the version `held` has; if so it is trusted for another maxAge, with the newer info. */
  #renew(clean: string, held: Held, info: FileInfo, epoch: number): boolean {
    if (info.isDirectory || info.size !== held.version.info.size || validatorOf(info) !== held.validator) return false;
    // The same bytes under the newer info (a tag that became strong, a touched mtime); opened files keep the old object.
    if (epoch === this.#epoch) {
      held.version = { info, bytes: held.version.bytes };
      held.at = Date.now();
    }
    return true;
  }

  async #list(clean: string): Promise<readonly FileInfo[]> {
    const epoch = this.#epoch;
    try {
      // A copy: the source may share its array, and callers get copies of this one.
      const list = [...(await this.#outage.ask(clean, () => this.source.readdir(clean)))];
      this.#remember(clean + '\0', { list }, epoch);
      return list;
    } catch (err) {
      const stale = this.#meta.get(clean + '\0');
      if (isOutage(err as FsError) && stale !== undefined) {
        stale.at = Date.now();
        return stale.list!;
      }
      if ((err as FsError).code === 'ENOENT') this.#remember(clean, { info: undefined }, epoch);
      throw err;
    }
  }

  #remember(key: string, meta: Pick<Meta, 'info' | 'list'>, epoch: number): void {
    if (epoch === this.#epoch) this.#meta.set(key, { ...meta, at: Date.now() }, 1 + (meta.list?.length ?? 0));
  }

  /** The held file at `clean` while it is young. */
  #held(clean: string): Held | undefined {
    const held = this.#content.get(clean);
    return held !== undefined && this.#young(held.at) ? held : undefined;
  }

  /** The remembered stat (or listing, key ending in NUL) while it is young, moved to the recent end. */
  #fresh(key: string): Meta | undefined {
    const meta = this.#meta.get(key);
    return meta !== undefined && this.#young(meta.at) ? this.#meta.use(key) : undefined;
  }

  #young(at: number): boolean {
    return Date.now() - at < this.options.maxAge;
  }

  #changed(event: ChangeEvent): void {
    this.#invalidate(event.path);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener must not throw (ChangeListener); one that does must not starve the others.
      }
    }
  }

  /** Drops everything at and below `path`, its parent's stat and listing, and misses remembered above it. */
  #invalidate(path: string): void {
    this.#epoch++;
    this.#flights.clear();
    const below = path === '/' ? '/' : path + '/';
    this.#content.deleteWhere((key) => key === path || key.startsWith(below));
    this.#meta.deleteWhere((key) => key === path || key === path + '\0' || key.startsWith(below));
    const parent = dirName(path);
    this.#meta.delete(parent);
    this.#meta.delete(parent + '\0');
    for (let p = parent; p !== '/';) {
      p = dirName(p);
      const meta = this.#meta.get(p);
      if (meta !== undefined && meta.info === undefined && meta.list === undefined) this.#meta.delete(p);
    }
  }

  #watch(listener: ChangeListener): () => void {
    this.#check('/');
    if (typeof listener !== 'function') throw new TypeError(`CacheFS watch listener must be a function; got ${String(listener)}`);
    // A wrapper per call: the same function watching twice hears each change twice, and stops one at a time.
    const own: ChangeListener = (event) => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  #clean(path: string): string {
    this.#check(path);
    return cleanPath(path);
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', pathForError(path), 'file system is closed');
  }
}

function missing(clean: string): never {
  throw new FsError('ENOENT', clean);
}
