import type { FSWatcher } from 'chokidar';
import type { ResolvedOptions } from '../mem-options.js';
import { dirName } from '../path.js';
import type { SyncQueue } from './queue.js';
import type { MirrorStore } from './store.js';
import { startWatcher, watcherErrorHint } from './watch.js';

/**
 * How long a removed directory's path is remembered: chokidar re-reads a changed directory within
 * milliseconds; a loaded machine may take a second or two to get there.
 */
const GONE_WINDOW_MS = 10_000;

/**
 * What keeps a MemFS mirror fresh after its first walk: the watcher's hints turned into syncs, a
 * second look at each path once it is quiet, and the periodic reconcile walk that heals what the
 * watcher missed.
 */
export class MirrorUpkeep {
  /** How long the last walk of the whole tree took by itself (set by whoever runs the walks). */
  lastWalkMs = 0;
  readonly #root: string;
  readonly #options: ResolvedOptions;
  readonly #store: MirrorStore;
  readonly #queue: SyncQueue;
  #watcher: FSWatcher | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  /** Directories that left the mirror within the last {@link GONE_WINDOW_MS}, with when. */
  readonly #recentlyGone = new Map<string, number>();
  /** Paths whose pending second look must be deep: a shallow hint arriving later must not make it shallow. */
  readonly #settleDeep = new Set<string>();
  #closed = false;

  constructor(root: string, options: ResolvedOptions, store: MirrorStore, queue: SyncQueue) {
    this.#root = root;
    this.#options = options;
    this.#store = store;
    this.#queue = queue;
  }

  /** Starts the watcher; resolves once it is live. A watcher that cannot start is logged, never thrown. */
  async startWatcher(): Promise<void> {
    const { ignore, logger } = this.#options;
    const root = this.#root;
    try {
      this.#watcher = await startWatcher(
        root,
        (host, deep) => this.#hint(host, deep),
        (host) => host.startsWith(root + '/') && ignore(host.slice(root.length)),
        (err) => logger.error(`hotfs: watcher error on ${root}: ${(err as Error)?.message ?? err}; ${watcherErrorHint(err)}`),
      );
    } catch (err) {
      logger.error(`hotfs: cannot watch ${root}: ${(err as Error)?.message ?? err}; ${watcherErrorHint(err)}`);
    }
  }

  // chokidar drops a second change to a path within ~50 ms, and reports nothing for a file created
  // and removed at once (which still changes its directory): look again at the path and its parent
  // once the path is quiet.
  /** Looks at `path` (and its parent) again once it has been quiet for the settle time. */
  settle(path: string, deep: boolean): void {
    if (deep) this.#settleDeep.add(path);
    this.#queue.whenQuiet(path, this.#options.settleMs, () => this.#syncWithParent(path, this.#settleDeep.delete(path)));
  }

  // chokidar keeps watching a directory's inode under its path: after `mv a b; mkdir a` it reports
  // what happens in b as happening in a, and never watches the new a (it re-reads the parent only
  // after a moment, and then finds an "a" it already tracks), whose changes would then wait for the
  // reconcile. So a directory that replaced another, or that appears where one was removed a moment
  // ago, is watched again: that watches what stands there now, and the deep second look picks up
  // what was written into it before that watch began.
  /** A directory the mirror did not hold at `path` a moment ago now stands there (`replaced`: instead of another). */
  newDirectory(path: string, host: string, replaced: boolean): void {
    if (!replaced && !this.#recentlyGone.delete(path)) return;
    // A directory reached through a link outside the root is not watched at all (links are not followed).
    if (this.#closed || this.#watcher === undefined || (host !== this.#root && !host.startsWith(this.#root + '/'))) return;
    this.#watcher.unwatch(host);
    this.#watcher.add(host);
    this.settle(path, true);
  }

  /** The directory at `path` left the mirror: one that appears there soon after is watched anew. */
  directoryGone(path: string): void {
    const now = Date.now();
    this.#recentlyGone.delete(path);
    this.#recentlyGone.set(path, now);
    // Oldest first (insertion order): drop what is past the window, so the map stays small.
    for (const [p, at] of this.#recentlyGone) {
      if (now - at < GONE_WINDOW_MS) break;
      this.#recentlyGone.delete(p);
    }
  }

  /** Plans the next reconcile walk. */
  scheduleReconcile(): void {
    const interval = this.#options.reconcileIntervalMs;
    if (interval === 0 || this.#closed) return;
    // A huge tree never spends more than ~5% of a core on reconciling.
    this.#reconcileTimer = setTimeout(() => void this.#reconcile(), Math.max(interval, 20 * this.lastWalkMs));
    this.#reconcileTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconcileTimer);
    await this.#watcher?.close();
  }

  async #reconcile(): Promise<void> {
    const hadRoot = this.#store.get('/') !== undefined;
    try {
      await this.#queue.schedule('/', true);
      // The root vanished and came back: the old watcher watches nothing any more.
      if (!hadRoot && this.#store.get('/') && this.#options.watch && !this.#closed) {
        await this.#watcher?.close();
        await this.startWatcher();
      }
    } catch (err) {
      if (!this.#closed) this.#options.logger.error(`hotfs: reconcile failed: ${(err as Error)?.message ?? err}`);
    }
    this.scheduleReconcile();
  }

  #hint(host: string, deep: boolean): void {
    if (this.#closed) return;
    for (const path of this.#store.visiblePaths(this.#root, host)) {
      this.#syncWithParent(path, deep);
      this.settle(path, deep);
    }
  }

  #syncWithParent(path: string, deep: boolean): void {
    void this.#queue.schedule(path, deep);
    if (path !== '/') void this.#queue.schedule(dirName(path), false);
  }
}
