import type { ResolvedOptions } from '../mem-options.js';
import { dirName } from '../path.js';
import type { SyncQueue } from './queue.js';
import type { MirrorStore } from './store.js';
import { DirectoryWatcher, watcherErrorHint } from './watch.js';

/**
 * What keeps a MemFS mirror fresh after its first walk: the watcher's hints turned into syncs, a
 * second look at each path once it is quiet, and the periodic reconcile walk that heals what the
 * watcher missed.
 */
export class MirrorUpkeep {
  /** What the last walk of the whole tree cost by itself, in ms: its wall or CPU time, the larger (set by whoever runs the walks). */
  lastWalkMs = 0;
  readonly #root: string;
  readonly #options: ResolvedOptions;
  readonly #store: MirrorStore;
  readonly #queue: SyncQueue;
  #watcher: DirectoryWatcher | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  /** Paths whose pending second look must be deep: a shallow hint arriving later must not make it shallow. */
  readonly #settleDeep = new Set<string>();
  #closed = false;

  constructor(root: string, options: ResolvedOptions, store: MirrorStore, queue: SyncQueue) {
    this.#root = root;
    this.#options = options;
    this.#store = store;
    this.#queue = queue;
  }

  /**
   * Starts the watcher. It watches each directory as the walk reaches it (see
   * {@link MirrorUpkeep.newDirectory}), so it is live at once and makes no scan of its own.
   */
  startWatcher(): void {
    const { logger } = this.#options;
    this.#watcher = new DirectoryWatcher(
      (host, deep) => this.#hint(host, deep),
      (err) => logger.error(`hotfs: watcher error on ${this.#root}: ${(err as Error)?.message ?? err}; ${watcherErrorHint(err)}`),
    );
  }

  // A writer may still be at work when its event arrives (a read then finds the file unstable), and
  // a file created and removed at once still changed its directory: look again at the path and its
  // parent once the path is quiet.
  /** Looks at `path` (and its parent) again once it has been quiet for the settle time. */
  settle(path: string, deep: boolean): void {
    if (deep) this.#settleDeep.add(path);
    this.#queue.whenQuiet(path, this.#options.settleMs, () => this.#syncWithParent(path, this.#settleDeep.delete(path)));
  }

  /**
   * A directory the mirror did not hold at `path` a moment ago stands there: about to be listed
   * (new), or listed and found to be another inode than the one held (`replaced`). An inotify watch
   * follows its inode, so a replaced directory is watched anew, and looked at again (deep) once
   * quiet for what was written into it before that watch began.
   */
  newDirectory(path: string, host: string, replaced: boolean): void {
    // A directory reached through a link outside the root is not watched at all (links are not followed).
    if (this.#closed || this.#watcher === undefined || (host !== this.#root && !host.startsWith(this.#root + '/'))) return;
    this.#watcher.watch(host, replaced);
    if (replaced) this.settle(path, true);
  }

  /** The directory at `path` left the mirror: its watch (if any) goes. */
  directoryGone(path: string): void {
    this.#watcher?.unwatch(path === '/' ? this.#root : this.#root + path);
  }

  /** Plans the next reconcile walk. */
  scheduleReconcile(): void {
    const interval = this.#options.reconcileIntervalMs;
    if (interval === 0 || this.#closed) return;
    // A huge tree spends at most 4% of a core on reconciling (100,000 files: a walk costs about 1 s).
    this.#reconcileTimer = setTimeout(() => void this.#reconcile(), Math.max(interval, 25 * this.lastWalkMs));
    this.#reconcileTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconcileTimer);
    this.#watcher?.close();
  }

  async #reconcile(): Promise<void> {
    try {
      // A root that vanished and came back is a new directory to the walk: it is watched again.
      await this.#queue.schedule('/', true);
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
