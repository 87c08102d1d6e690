import { watch, type FSWatcher } from 'node:fs';

/** Hints from the watcher: a host path that may have changed, and whether a whole tree may have. */
type Hint = (hostPath: string, deep: boolean) => void;

/** Actionable advice for the watcher errors seen in practice. */
export function watcherErrorHint(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') {
    return 'the inotify watch limit is reached (one watch per directory); changes are picked up by the periodic reconcile instead. Raise it with: sysctl fs.inotify.max_user_watches=524288';
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return 'too many open files; changes are picked up by the periodic reconcile instead. Raise the limit with: ulimit -n 65536';
  }
  return 'changes are picked up by the periodic reconcile instead';
}

/**
 * One `fs.watch` (one inotify watch on Linux) per directory of the mirror, none per file: a
 * directory's watch already reports every write, truncate, attribute change, create, delete and
 * rename of the entries in it, each naming the entry; each event becomes a hint for that child.
 *
 * The mirror's own walk says which directories exist: it watches each directory before listing it,
 * so nothing written after the listing goes unseen, and no second scan of the tree is made (a
 * watcher library lists the whole tree again and stats every file: for 100,000 files that cost
 * more than reading them). A directory that leaves the mirror is unwatched; one that replaced
 * another under the same path is watched anew (an inotify watch follows its inode, not the path).
 * Links are never followed by a watch: the mirror maps events through its own link table.
 * Errors never throw: they go to `onError`, once per error code.
 */
export class DirectoryWatcher {
  readonly #watches = new Map<string, FSWatcher>();
  readonly #hint: Hint;
  readonly #onError: (err: unknown) => void;
  readonly #reported = new Set<string>();
  #closed = false;

  constructor(hint: Hint, onError: (err: unknown) => void) {
    this.#hint = hint;
    this.#onError = onError;
  }

  /** Watches the host directory `dir`; `fresh`: again, though it is watched (another inode stands there). */
  watch(dir: string, fresh = false): void {
    if (this.#closed || (this.#watches.has(dir) && !fresh)) return;
    this.unwatch(dir);
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        // No name (allowed by fs.watch, not seen on Linux): anything in the directory may have changed.
        // A watched directory's own deletion names the directory itself: the bogus child path this
        // makes is harmless (its sync finds nothing), and the parent's watch reports the deletion.
        if (name) this.#hint(dir === '/' ? `/${name}` : `${dir}/${name}`, false);
        else this.#hint(dir, true);
      });
    } catch (err) {
      this.#error(err);
      return;
    }
    watcher.on('error', (err) => {
      if (this.#watches.get(dir) === watcher) this.unwatch(dir);
      this.#error(err);
    });
    this.#watches.set(dir, watcher);
  }

  /** Stops watching the host directory `dir`, if it is watched. */
  unwatch(dir: string): void {
    this.#watches.get(dir)?.close();
    this.#watches.delete(dir);
  }

  /** Stops every watch; later calls do nothing. */
  close(): void {
    this.#closed = true;
    for (const watcher of this.#watches.values()) watcher.close();
    this.#watches.clear();
  }

  // At the inotify limit every new directory fails alike: one line says it, with the fix.
  #error(err: unknown): void {
    const code = String((err as NodeJS.ErrnoException | undefined)?.code ?? err);
    if (this.#reported.has(code)) return;
    this.#reported.add(code);
    this.#onError(err);
  }
}
