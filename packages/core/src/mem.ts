import { EventEmitter } from 'node:events';
import type { FSWatcher } from 'chokidar';
import { DiskFS, openSyncOnDisk, type SymlinkPolicy } from './disk.js';
import { DirectoryFile } from './directory.js';
import { FsError } from './errors.js';
import { cleanPath, dirName } from './path.js';
import type { File, FileInfo } from './types.js';
import { MemFile } from './mirror/file.js';
import { MirrorStore, type MirrorEntry } from './mirror/store.js';
import type { ChangeEvent, ChangeFeedFS, ChangeListener, ChangeType } from './capabilities/change-feed.js';
import { limiter } from './mirror/read.js';
import { SyncQueue } from './mirror/queue.js';
import { syncPath, type SyncContext } from './mirror/sync.js';
import { startWatcher, watcherErrorHint } from './mirror/watch.js';
import { checkOptions, type MemFSOptions, type ResolvedOptions } from './mem-options.js';
import { found } from './capabilities/try-open-sync.js';

export type { MemFSLogger, MemFSOptions } from './mem-options.js';

/**
 * An exact in-memory mirror of a directory, kept in sync by a file watcher and a periodic reconcile.
 * Lookups are a Map.get; file content is served as zero-copy views of the memfs Volume that stores it.
 *
 * @example
 * ```ts
 * const fs = await MemFS.mirror('./public', { logger: console, verbose: true });
 * const stop = fs.watch(({ type, path }) => console.log(type, path)); // after the mirror applied it
 * const file = await fs.open('/index.html');
 * const bytes = await readAll(file);                              // no copy: MemFS offers bytes()
 * await file.close();
 * await fs.close();
 * ```
 */
export class MemFS extends EventEmitter<{ change: [ChangeEvent] }> implements ChangeFeedFS {
  /** The real, absolute path of the mirrored directory. */
  readonly root: string;
  readonly #store = new MirrorStore();
  readonly #disk: DiskFS;
  readonly #options: ResolvedOptions;
  readonly #sync: SyncContext;
  readonly #queue: SyncQueue;
  #watcher: FSWatcher | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  #lastWalkMs = 0;
  #loading = true;
  #closed = false;

  /**
   * Mirrors `root` into memory. Resolves once every file and directory is held and the watcher is live.
   * @throws FsError when `root` is missing or not a directory; TypeError naming a bad option.
   */
  static async mirror(root: string, options: MemFSOptions = {}): Promise<MemFS> {
    const fs = new MemFS(root, checkOptions(options));
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

  private constructor(root: string, options: ResolvedOptions) {
    super();
    this.#options = options;
    this.#disk = new DiskFS(root, { symlinks: options.symlinks, io: 'sync' });
    this.root = this.#disk.root;
    const { ignore, maxFileSize, maxBytes, logger } = options;
    this.#sync = {
      store: this.#store,
      disk: this.#disk,
      ignored: (path) => ignore(path),
      fits: (path, size) => size <= maxFileSize && this.#store.bytesHeld - (this.#store.get(path)?.bytes?.length ?? 0) + size <= maxBytes,
      changed: (type, path) => this.#changed(type, path),
      unstable: (path) => this.#settle(path, false),
      warn: (message) => logger.warn(`hotfs: ${message}`),
      // Enough reads in flight to hide syscall latency on a large tree, few enough for any fd limit.
      readSlot: limiter(16),
    };
    this.#queue = new SyncQueue(
      async (path, deep) => {
        const started = performance.now();
        await syncPath(this.#sync, path, deep);
        // The walk's own time, not its wait in the queue: it spaces the reconciles.
        if (path === '/' && deep) this.#lastWalkMs = performance.now() - started;
      },
      (path, err) => {
        if (!this.#closed) logger.error(`hotfs: cannot sync ${path}: ${(err as Error)?.message ?? err}`);
      },
    );
  }

  /** The symlink policy in force. */
  get symlinks(): SymlinkPolicy {
    return this.#options.symlinks;
  }

  /** Counts of what the mirror holds right now. */
  get size(): { files: number; directories: number; bytes: number; filesOnDisk: number } {
    let files = 0;
    let directories = 0;
    let filesOnDisk = 0;
    for (const entry of this.#store.index.values()) {
      if (entry.info.isDirectory) directories++;
      else if (entry.onDisk) filesOnDisk++;
      else files++;
    }
    return { files, directories, bytes: this.#store.bytesHeld, filesOnDisk };
  }

  async #start(): Promise<void> {
    const started = performance.now();
    const watching = this.#options.watch ? this.#startWatcher() : undefined;
    const { progress } = this.#options;
    const ticker = progress ? setInterval(() => progress(this.size), 100) : undefined;
    try {
      await this.rescan();
      await watching;
    } finally {
      clearInterval(ticker);
    }
    progress?.(this.size);
    this.#loading = false;
    const { files, directories, bytes, filesOnDisk } = this.size;
    const ms = Math.round(performance.now() - started);
    this.#options.logger.info(
      `hotfs: mirrored ${this.root}: ${files} files, ${directories} directories, ${bytes} bytes in ${ms} ms${filesOnDisk ? ` (${filesOnDisk} files over the memory budget stay on disk)` : ''}`,
    );
    this.#scheduleReconcile();
  }

  async #startWatcher(): Promise<void> {
    const ignore = this.#options.ignore;
    const root = this.root;
    try {
      this.#watcher = await startWatcher(
        root,
        (host, deep) => this.#hint(host, deep),
        (host) => host.startsWith(root + '/') && ignore(host.slice(root.length)),
        (err) => this.#options.logger.error(`hotfs: watcher error on ${root}: ${(err as Error)?.message ?? err}; ${watcherErrorHint(err)}`),
      );
    } catch (err) {
      this.#options.logger.error(`hotfs: cannot watch ${root}: ${(err as Error)?.message ?? err}; ${watcherErrorHint(err)}`);
    }
  }

  /**
   * Reconciles the mirror with the disk now: a readdir + stat walk that re-reads only files whose
   * inode, size or times changed. Resolves when that walk is done: the mirror then agrees with what
   * it saw on disk. Changes reported meanwhile are applied by syncs of their own and never delay it,
   * so it resolves under a constant stream of writes too.
   */
  async rescan(): Promise<void> {
    this.#check('/');
    await this.#queue.schedule('/', true);
  }

  #scheduleReconcile(): void {
    const interval = this.#options.reconcileIntervalMs;
    if (interval === 0 || this.#closed) return;
    // A huge tree never spends more than ~5% of a core on reconciling.
    this.#reconcileTimer = setTimeout(() => void this.#reconcile(), Math.max(interval, 20 * this.#lastWalkMs));
    this.#reconcileTimer.unref();
  }

  async #reconcile(): Promise<void> {
    const hadRoot = this.#store.get('/') !== undefined;
    try {
      await this.rescan();
      // The root vanished and came back: the old watcher watches nothing any more.
      if (!hadRoot && this.#store.get('/') && this.#options.watch && !this.#closed) {
        await this.#watcher?.close();
        await this.#startWatcher();
      }
    } catch (err) {
      if (!this.#closed) this.#options.logger.error(`hotfs: reconcile failed: ${(err as Error)?.message ?? err}`);
    }
    this.#scheduleReconcile();
  }

  #hint(host: string, deep: boolean): void {
    if (this.#closed) return;
    for (const path of this.#store.visiblePaths(this.root, host)) {
      this.#syncWithParent(path, deep);
      this.#settle(path, deep);
    }
  }

  // chokidar drops a second change to a path within ~50 ms, and reports nothing for a file created
  // and removed at once (which still changes its directory): look again at the path and its parent
  // once the path is quiet.
  #settle(path: string, deep: boolean): void {
    this.#queue.whenQuiet(path, this.#options.settleMs, () => this.#syncWithParent(path, deep));
  }

  #syncWithParent(path: string, deep: boolean): void {
    void this.#queue.schedule(path, deep);
    if (path !== '/') void this.#queue.schedule(dirName(path), false);
  }

  #changed(type: ChangeType, path: string): void {
    if (this.#loading) return;
    if (this.#options.verbose) this.#options.logger.info(`hotfs: ${type} ${path}`);
    this.emit('change', { type, path });
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
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
    const { clean, entry } = this.#entry(path);
    if (!entry) return undefined;
    if (entry.info.isDirectory) return new DirectoryFile(this, clean, entry.info);
    if (entry.onDisk) return openSyncOnDisk(this.#disk, clean);
    return new MemFile(clean, entry);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    return this.#entry(path, true).entry?.info;
  }

  async stat(path: string): Promise<FileInfo> {
    const { clean, entry } = this.#entry(path, true);
    if (!entry) throw new FsError('ENOENT', clean);
    return entry.info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
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

  /** Stops the watcher and the reconcile, and releases all memory. Open files keep their bytes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconcileTimer);
    await this.#queue.close();
    await this.#watcher?.close();
    this.#store.clear();
    await this.#disk.close();
    this.removeAllListeners();
  }
}
