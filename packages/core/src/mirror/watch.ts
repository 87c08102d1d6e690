import type { Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';

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
 * Watches a real host directory with chokidar, one watch per DIRECTORY. Watching every file too
 * (chokidar's default) costs an inotify watch and ~2.6 KiB per file and most of the watcher's start
 * time, and tells nothing more: inotify on a directory already reports every write, truncate,
 * attribute change, create, delete and rename of the entries in it, and chokidar passes those on as
 * `raw` events (event, child name, { watchedPath }). So everything but directories is `ignored`
 * (chokidar tests its directory listings with lstat stats, so files never get a watcher of their
 * own, yet their directory's watcher keeps reporting them), and each raw event becomes a hint for
 * the child it names. Symbolic links are not followed by the watcher (a `loop -> .` link would
 * multiply every event); the mirror maps events through its own link table.
 * Resolves once the watcher is ready. Errors never throw: they go to `onError`.
 */
export async function startWatcher(root: string, hint: Hint, ignored: (hostPath: string) => boolean, onError: (err: unknown) => void): Promise<FSWatcher> {
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    // Deletes with atomic: true arrive ~100 ms late; the mirror re-stats on every hint anyway.
    atomic: false,
    ignorePermissionErrors: true,
    // Without stats (chokidar's first look at a path) only the user's ignore can decide.
    ignored: (path: string, stats?: Stats) => path !== root && ((stats !== undefined && !stats.isDirectory()) || ignored(path)),
  });
  watcher.on('raw', (_event, name: string | null | undefined, details) => {
    const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (typeof dir !== 'string') return;
    // No name (allowed by fs.watch, not seen on Linux): anything in the directory may have changed.
    if (!name) return hint(dir, true);
    // A directory's own deletion or move names the directory itself: the bogus child path this
    // makes is harmless (its sync finds nothing), and the hint also looks at the directory.
    hint(dir === '/' ? `/${name}` : `${dir}/${name}`, false);
  });
  // A new directory's own watcher only starts after chokidar has listed it: the deep hint (and the
  // settle re-check after it) picks up what was written into it meanwhile.
  watcher.on('addDir', (p) => hint(p, true));
  watcher.on('unlinkDir', (p) => hint(p, true));
  watcher.on('error', onError);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return watcher;
}
