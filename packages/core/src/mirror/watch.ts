import { watch, type FSWatcher } from 'chokidar';

/** Hints from the watcher: a host path that may have changed, and whether a whole tree may have. */
export type Hint = (hostPath: string, deep: boolean) => void;

/** Actionable advice for the watcher errors seen in practice. */
export function watcherErrorHint(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') {
    return 'the inotify watch limit is reached (one watch per file and per directory); changes are picked up by the periodic reconcile instead. Raise it with: sysctl fs.inotify.max_user_watches=524288';
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return 'too many open files; changes are picked up by the periodic reconcile instead. Raise the limit with: ulimit -n 65536';
  }
  return 'changes are picked up by the periodic reconcile instead';
}

/**
 * Watches a real host directory with chokidar. Symbolic links are not followed by the watcher (a
 * `loop -> .` link would multiply every event); the mirror maps events through its own link table.
 * Resolves once the watcher is ready. Errors never throw: they go to `onError`.
 */
export async function startWatcher(root: string, hint: Hint, ignored: (hostPath: string) => boolean, onError: (err: unknown) => void): Promise<FSWatcher> {
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    // Deletes with atomic: true arrive ~100 ms late; the mirror re-stats on every hint anyway.
    atomic: false,
    ignorePermissionErrors: true,
    ignored: (path: string) => path !== root && ignored(path),
  });
  watcher.on('add', (p) => hint(p, false));
  watcher.on('change', (p) => hint(p, false));
  watcher.on('unlink', (p) => hint(p, false));
  watcher.on('addDir', (p) => hint(p, true));
  watcher.on('unlinkDir', (p) => hint(p, true));
  watcher.on('error', onError);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return watcher;
}
