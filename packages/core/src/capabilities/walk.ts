import { isFsError } from '../errors.js';
import { cleanPath, joinPath } from '../path.js';
import type { FileInfo, FileSystem } from '../types.js';

/** One entry below the walked directory. */
export interface WalkEntry {
  /** Clean hotfs path of the entry. */
  readonly path: string;
  /** What `stat(path)` gives for it (same name, size, mtimeMs and validators). */
  readonly info: FileInfo;
}

/**
 * A file system that lists a whole subtree cheaper than a readdir per directory (an object store's
 * flat listing): the capability {@link WalkFS.walk}. Callers use {@link walk}, which falls back to a
 * readdir recursion.
 */
export interface WalkFS extends FileSystem {
  /**
   * Every file and directory below `path` (not `path` itself), each once, in any order (a directory
   * may come after its children). Rejects the iteration with an FsError: ENOENT or ENOTDIR when
   * `path` is missing or not a directory.
   */
  walk(path: string): AsyncIterable<WalkEntry>;
}

/** Whether `fs` offers {@link WalkFS.walk}. */
export function hasWalk(fs: FileSystem): fs is WalkFS {
  return typeof (fs as Partial<WalkFS>).walk === 'function';
}

/**
 * How many directories the fallback lists at once: enough to hide a remote backend's latency, few
 * enough to keep descriptors and requests bounded on any backend.
 */
const LISTINGS_IN_FLIGHT = 8;

/**
 * Every file and directory below `path` (not `path` itself), each once, in any order. Uses the
 * backend's own {@link WalkFS.walk} when it has one; otherwise lists each directory with `readdir`,
 * a few at a time. A directory that disappears during the fallback's walk is skipped (it is gone);
 * any other failure rejects the iteration.
 *
 * @example
 * ```ts
 * for await (const { path, info } of walk(fs, '/')) if (!info.isDirectory) total += info.size;
 * ```
 */
export function walk(fs: FileSystem, path: string): AsyncIterable<WalkEntry> {
  return hasWalk(fs) ? fs.walk(path) : readdirWalk(fs, cleanPath(path));
}

type Listed = { dir: string; infos: FileInfo[] } | { dir: string; error: unknown };

async function* readdirWalk(fs: FileSystem, start: string): AsyncGenerator<WalkEntry> {
  const pending = [start];
  // Settled promises only (a failure is a value): one left behind when the caller stops early can
  // never become an unhandled rejection.
  const inFlight = new Map<string, Promise<Listed>>();
  while (pending.length > 0 || inFlight.size > 0) {
    while (pending.length > 0 && inFlight.size < LISTINGS_IN_FLIGHT) {
      const dir = pending.pop()!;
      inFlight.set(
        dir,
        fs.readdir(dir).then(
          (infos) => ({ dir, infos }),
          (error: unknown) => ({ dir, error }),
        ),
      );
    }
    const listed = await Promise.race(inFlight.values());
    inFlight.delete(listed.dir);
    if ('error' in listed) {
      if (listed.dir !== start && isFsError(listed.error, 'ENOENT', 'ENOTDIR')) continue;
      throw listed.error;
    }
    for (const info of listed.infos) {
      const child = joinPath(listed.dir, info.name);
      if (info.isDirectory) pending.push(child);
      yield { path: child, info };
    }
  }
}
