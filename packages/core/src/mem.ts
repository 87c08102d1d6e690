import { EventEmitter } from 'node:events';
import type { SymlinkPolicy } from './disk.js';
import { DirectoryFile } from './directory.js';
import { FsError } from './errors.js';
import { cleanPath, dirName } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';
import { EncodedMemFile, MemFile } from './mirror/file.js';
import type { DiskView } from './mirror/disk-view.js';
import { MirrorStore, type MirrorEntry } from './mirror/store.js';
import type { ChangeEvent, ChangeFeedFS, ChangeListener, ChangeType } from './capabilities/change-feed.js';
import { limiter } from './mirror/read.js';
import { SyncQueue } from './mirror/queue.js';
import { checkOptions, checkSource, type MemFSOptions, type ResolvedOptions } from './mem-options.js';
import { found } from './capabilities/try-open-sync.js';
import { startEncoder, type MirrorEncoder } from './mirror/encoder.js';
import type { MirrorHost, MirrorSource } from './mirror/source.js';
import { DirectorySource } from './mirror/dir-source.js';
import { FileSystemSource } from './mirror/source-sync.js';

export type { MemFSCompressOptions, MemFSLogger, MemFSOptions } from './mem-options.js';

/**
 * An exact in-memory mirror of a directory, or of any {@link FileSystem}, kept in sync. A directory
 * is followed by a file watcher and a periodic reconcile; a FileSystem by its change feed (where it
 * has one) and a periodic reconcile that lists it and reads only what changed. Lookups are a
 * Map.get; file content is served as zero-copy views of the bytes the mirror holds.
 * Besides `'change'`, it emits `'encoded'` (a path) each time an encoding of a path's current version
 * is ready (option `compress`): the same version, one more encoding.
 *
 * @example
 * ```ts
 * const fs = await MemFS.mirror('./public', { logger: console, verbose: true });
 * const stop = fs.watch(({ type, path }) => console.log(type, path)); // after the mirror applied it
 * const file = await fs.open('/index.html');
 * const bytes = await readAll(file);                              // no copy: MemFS offers bytes()
 * await file.close();
 * await fs.close();
 * const hot = await MemFS.mirror(new SubFS(other, '/site'));      // any FileSystem works too
 * ```
 */
export class MemFS extends EventEmitter<{ change: [ChangeEvent]; encoded: [path: string] }> implements ChangeFeedFS {
  /**
   * The real, absolute path of the mirrored directory. For a FileSystem source, a label naming it in
   * angle brackets (`<S3FS>`) for log lines, never a host path: see {@link MemFS.source}.
   */
  readonly root: string;
  /** The FileSystem mirrored; undefined for a directory. The mirror never closes it: its caller owns it. */
  readonly source: FileSystem | undefined;
  readonly #store = new MirrorStore();
  readonly #options: ResolvedOptions;
  readonly #source: MirrorSource;
  readonly #queue: SyncQueue;
  readonly #encoder: MirrorEncoder | undefined;
  readonly #encodingsOf = (entry: MirrorEntry) => this.#store.encodingsOf(entry);
  #loading = true;
  // Set while the first walk runs under `serveWhileLoading`: every answer comes from the source.
  #diskView: DiskView | undefined;
  #mirrored: Promise<void> = Promise.resolve();
  #closed = false;

  /**
   * Mirrors `source` into memory: a directory (a host path), or any {@link FileSystem} (an S3FS, a
   * ZipFS, another MemFS…). Resolves once every file and directory is held and the follower is live
   * (the watcher, or the source's change feed), and the changes reported meanwhile are applied;
   * with `serveWhileLoading`, as soon as the follower is live (see {@link MemFS.mirrored}).
   *
   * A FileSystem source is listed with {@link walk} and each file read whole; a file enters memory
   * only as one consistent version. Options that describe a host directory (`symlinks`, `settleMs`)
   * are refused for it, and `serveWhileLoading` needs a source with `tryOpenSync`.
   * @throws FsError when `source` is a missing path or not a directory, or when the first listing or
   * read of a FileSystem fails; TypeError naming a bad option.
   */
  static async mirror(source: string | FileSystem, options: MemFSOptions = {}): Promise<MemFS> {
    const resolved = checkOptions(options);
    if (typeof source !== 'string') checkSource(source, options);
    const fs = new MemFS(source, resolved);
    try {
      await fs.#start();
    } catch (err) {
      // The watcher may be live already: left open, it would keep the process running. A failure
      // to close must not hide why the mirror could not start.
      await fs.close().catch(() => {});
      throw err;
    }
    return fs;
  }

  /**
   * Validates `options` as {@link MemFS.mirror} does, without touching the disk (a command line checks
   * every value before it opens anything).
   * @throws TypeError naming a bad or unknown option.
   */
  static checkOptions(options: MemFSOptions): void {
    checkOptions(options);
  }

  private constructor(source: string | FileSystem, options: ResolvedOptions) {
    super();
    this.#options = options;
    this.#store.shared = options.shared;
    // Not a change (same version, same bytes): what a replica listens to for the new encoding.
    this.#store.onEncoding = (path) => this.emit('encoded', path);
    const { maxFileSize, maxBytes, logger, compress } = options;
    this.#encoder = compress && startEncoder(this.#store, compress, maxBytes, logger);
    this.#queue = new SyncQueue(
      (path, deep) => this.#source.sync(path, deep),
      (path, err) => {
        if (!this.#closed) logger.error(`hotfs: cannot sync ${path}: ${(err as Error)?.message ?? err}`);
      },
    );
    const host: MirrorHost = {
      store: this.#store,
      options,
      queue: this.#queue,
      fits: (path, size) => size <= maxFileSize && this.#store.bytesHeld - (this.#store.get(path)?.bytes?.length ?? 0) + size <= maxBytes,
      changed: (type, path) => {
        if (this.#encoder) {
          // A new version may need room that encodings hold: content wins.
          this.#store.trimEncodings(maxBytes);
          if (type === 'add' || type === 'change') this.#encoder.stored(path);
        }
        this.#changed(type, path);
      },
      // Enough reads in flight to hide syscall latency on a large tree, few enough for any fd limit.
      readSlot: limiter(16),
    };
    this.#source = typeof source === 'string' ? new DirectorySource(source, host) : new FileSystemSource(source, host);
    this.root = this.#source.label;
    this.source = typeof source === 'string' ? undefined : source;
    if (options.serveWhileLoading) this.#diskView = this.#source.loadingView(this);
  }

  /** The symlink policy in force. */
  get symlinks(): SymlinkPolicy {
    return this.#options.symlinks;
  }

  /**
   * Counts of what the mirror holds right now: `bytes` of file content, `encodedBytes` of their
   * encodings (option `compress`); the two together stay within `maxBytes`.
   */
  get size(): { files: number; directories: number; bytes: number; filesOnDisk: number; encodedBytes: number } {
    let files = 0;
    let directories = 0;
    let filesOnDisk = 0;
    for (const entry of this.#store.index.values()) {
      if (entry.info.isDirectory) directories++;
      else if (entry.onDisk) filesOnDisk++;
      else files++;
    }
    return { files, directories, bytes: this.#store.bytesHeld, filesOnDisk, encodedBytes: this.#store.encodedBytes };
  }

  /**
   * Resolves once the mirror holds the whole tree and answers from memory: at once after
   * {@link MemFS.mirror} resolved, unless `serveWhileLoading` let it resolve earlier. Never rejects.
   */
  mirrored(): Promise<void> {
    return this.#mirrored;
  }

  /**
   * Resolves once every compression asked for so far has ended (option `compress`): each file version
   * held then has every encoding it will get, and opens of it offer them. A change arriving later
   * never delays it. At once when `compress` is off. Never rejects.
   *
   * @example
   * ```ts
   * await writeFile('./public/app.js', bundle);
   * await fs.rescan();             // the new version is held (or wait for its 'change' event)
   * await fs.encodingsSettled();   // and its br, zstd and gzip encodings are ready
   * ```
   */
  encodingsSettled(): Promise<void> {
    return this.#encoder?.settled() ?? Promise.resolve();
  }

  async #start(): Promise<void> {
    const watching = this.#options.watch ? this.#source.follow() : undefined;
    const loaded = this.#load(watching);
    if (!this.#options.serveWhileLoading) return loaded;
    this.#mirrored = loaded.catch((err: unknown) => {
      if (!this.#closed) this.#options.logger.error(`hotfs: cannot mirror ${this.root}: ${(err as Error)?.message ?? err}`);
    });
    await watching;
  }

  async #load(watching: Promise<void> | undefined): Promise<void> {
    const started = performance.now();
    const { progress } = this.#options;
    const ticker = progress ? setInterval(() => progress(this.size), 100) : undefined;
    try {
      this.#check('/');
      await this.#source.load();
      await watching;
      // What the watcher reported during the walk: applied before memory answers.
      await this.#queue.flush();
    } finally {
      clearInterval(ticker);
    }
    if (this.#closed) return;
    progress?.(this.size);
    this.#loading = false;
    this.#diskView = undefined;
    this.#encoder?.start();
    const { files, directories, bytes, filesOnDisk } = this.size;
    const ms = Math.round(performance.now() - started);
    this.#options.logger.info(
      `hotfs: mirrored ${this.root}: ${files} files, ${directories} directories, ${bytes} bytes in ${ms} ms${filesOnDisk ? ` (${filesOnDisk} files over the memory budget stay on disk)` : ''}`,
    );
    this.#source.scheduleReconcile();
  }

  /**
   * Reconciles the mirror with its source now: for a directory, a readdir + stat walk that re-reads
   * only files whose inode, size or times changed; for a FileSystem, a {@link walk} that re-reads only
   * files whose validator, size or time changed. Resolves when that walk is done: the mirror then agrees with what
   * it saw on disk. Changes reported meanwhile are applied by syncs of their own and never delay it,
   * so it resolves under a constant stream of writes too.
   */
  async rescan(): Promise<void> {
    this.#check('/');
    await this.#queue.schedule('/', true);
  }

  #changed(type: ChangeType, path: string): void {
    if (this.#loading) return;
    if (type === 'unlinkDir') this.#source.directoryGone(path);
    if (this.#options.verbose) this.#options.logger.info(`hotfs: ${type} ${path}`);
    this.emit('change', { type, path });
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
  }

  #clean(path: string): string {
    this.#check(path);
    return cleanPath(path);
  }

  /**
   * The current entry of a path. Below a directory that cannot be read, everything answers with its
   * error, as on disk; the unreadable directory itself can still be stat'ed (`statOnly`).
   */
  #entry(path: string, statOnly = false): { clean: string; entry: MirrorEntry | undefined } {
    this.#check(path);
    // Every key is a clean path, so a hit needs no cleaning: a request costs one Map.get.
    let clean = path;
    let entry = this.#store.index.get(path);
    if (entry === undefined) {
      clean = cleanPath(path);
      if (clean !== path) entry = this.#store.index.get(clean);
    }
    if (this.#store.unreadable.size > 0 && !(statOnly && clean === '/')) {
      const code = this.#store.errorAt(statOnly && entry ? dirName(clean) : clean);
      if (code) throw new FsError(code, clean);
    }
    return { clean, entry };
  }

  /** Synchronous {@link MemFS.tryOpen}: a Map lookup, so a handler can answer without awaiting. */
  tryOpenSync(path: string): File | undefined {
    if (this.#diskView) return this.#diskView.tryOpenSync(this.#clean(path));
    const { clean, entry } = this.#entry(path);
    if (!entry) return undefined;
    if (entry.info.isDirectory) return new DirectoryFile(this, clean, entry.info);
    if (entry.onDisk) return this.#source.openOver(clean, entry);
    return this.#encoder ? new EncodedMemFile(clean, entry, this.#encodingsOf) : new MemFile(clean, entry);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    if (this.#diskView) return this.#diskView.tryStat(this.#clean(path));
    return this.#entry(path, true).entry?.info;
  }

  async stat(path: string): Promise<FileInfo> {
    if (this.#diskView) return found(await this.#diskView.tryStat(this.#clean(path)), path);
    const { clean, entry } = this.#entry(path, true);
    if (!entry) throw new FsError('ENOENT', clean);
    return entry.info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    if (this.#diskView) return this.#diskView.readdir(this.#clean(path));
    const { clean, entry } = this.#entry(path);
    if (!entry) throw new FsError('ENOENT', clean);
    if (!entry.info.isDirectory) throw new FsError('ENOTDIR', clean);
    return this.#store.listing(clean).slice();
  }

  /**
   * The change feed ({@link ChangeFeedFS}): `listener` hears every change after the mirror applied
   * it, as the `'change'` event does. Returns the function that stops it.
   */
  watch(listener: ChangeListener): () => void {
    const call = (event: ChangeEvent): void => {
      try {
        listener(event);
      } catch (err) {
        this.#options.logger.error(`hotfs: a change listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    };
    this.on('change', call);
    return () => {
      this.off('change', call);
    };
  }

  /**
   * Stops the watcher (or the feed) and the reconcile, and releases all memory. Open files keep their
   * bytes. A FileSystem source stays open: its caller owns it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#source.stop();
    await this.#queue.close();
    // No compression runs after close: one running stops at the end of its current block.
    await this.#encoder?.close();
    this.#store.clear();
    await this.#source.close();
    this.removeAllListeners();
  }
}
