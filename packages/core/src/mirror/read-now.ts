import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { descriptorPath, openedAllowedSync, type Containment } from '../contain.js';
import { OPEN_FLAGS } from '../disk-file.js';
import { quietWindow, type StableRead } from './read.js';
import { allocateContent, childHost, type MirrorStore } from './store.js';

/**
 * Files up to this size are read with blocking calls by {@link DirectoryReader}: a page-cache copy
 * of 256 KiB takes a few tens of µs, well inside one time slice of the walk. Larger files go
 * through the thread pool, where their copies overlap the event loop's work.
 */
const READ_NOW_LIMIT = 256 * 1024;

// O_NOFOLLOW: an entry that became a link since it was listed fails (ELOOP) instead of leading the
// open elsewhere; it is then resolved under the symlink policy by the caller's slower path.
const FILE_FLAGS = OPEN_FLAGS | constants.O_NOFOLLOW;
const DIR_FLAGS = OPEN_FLAGS | (constants.O_DIRECTORY ?? 0);

/**
 * Reads the small files of one listed host directory at once, with blocking calls: open, fstat,
 * read, fstat, close. Through the thread pool each call is a round trip (10-35 µs), a promise and a
 * callback; here it is the syscall alone (2-5 µs on this kind of VM). A first load of many small
 * files is mostly these calls: 100,000 files of 1 KiB took ~18 s through the pool.
 *
 * What keeps a read stable is what {@link readStable} checks: the file quiet for its window, its
 * bytes read to the size its descriptor showed before, and the descriptor's stamp unchanged after.
 * A writer that touched it in between changed the stamp: the read is not kept.
 *
 * What keeps it contained: where /proc/self/fd exists (Linux), files are opened relative to the
 * directory's own descriptor (`/proc/self/fd/N/name`, as `openat` would) without following a link
 * at the end, and that descriptor was checked once against the policy and against the directory
 * listed (same inode). A plain child of a checked directory is inside, whatever moves above it.
 * Elsewhere each file is opened by path and checked as DiskFS checks its opens.
 *
 * Any doubt (not quiet, too large, over the budget, not a regular file, changed, an error) answers
 * `undefined`: the caller then takes its thread-pool path, which waits, retries and reports errors
 * as it always has. Nothing read by a refused attempt is kept. Call {@link release} before awaiting:
 * a directory descriptor is held only within one time slice.
 */
export class DirectoryReader {
  readonly #contain: Containment;
  readonly #host: string;
  readonly #listed: Stats;
  readonly #store: MirrorStore;
  #dirFd: number | undefined;
  /** The directory's `/proc/self/fd/N` while its descriptor is held; '' where /proc is missing. */
  #base: string | undefined;
  #refused = false;

  /** `listed`: the stats of the directory descriptor the names came from; `store`: where the content goes (its slabs, and whether shared). */
  constructor(contain: Containment, host: string, listed: Stats, store: MirrorStore) {
    this.#contain = contain;
    this.#host = host;
    this.#listed = listed;
    this.#store = store;
  }

  /**
   * Reads the regular file `name` whole, if it is quiet (`wasEmpty`: the mirror held it empty, see
   * {@link quietWindow}), at most 256 KiB, and `fits(size)` says the budget allows it.
   */
  read(name: string, wasEmpty: boolean, fits: (size: number) => boolean): StableRead | undefined {
    const base = this.#open();
    if (base === undefined) return undefined;
    const path = childHost(this.#host, name);
    let fd: number;
    try {
      fd = openSync(base === '' ? path : `${base}/${name}`, FILE_FLAGS);
    } catch {
      return undefined;
    }
    try {
      const pre = fstatSync(fd);
      if (!pre.isFile() || pre.size > READ_NOW_LIMIT || !fits(pre.size)) return undefined;
      const age = Date.now() - Math.max(pre.mtimeMs, pre.ctimeMs);
      if (age >= 0 && age < quietWindow(pre, wasEmpty)) return undefined;
      const { slabs, shared } = this.#store;
      const bytes = slabs.cut(pre.size, shared) ?? allocateContent(pre.size, shared);
      let read: StableRead | undefined;
      try {
        read = readWhole(fd, bytes, pre, base === '' ? path : undefined, this.#contain);
      } finally {
        if (read === undefined) slabs.giveBack(bytes);
      }
      return read;
    } catch {
      return undefined;
    } finally {
      closeQuietly(fd);
    }
  }

  /** Closes the directory's descriptor; the next read opens and checks it again. */
  release(): void {
    if (this.#dirFd !== undefined) closeQuietly(this.#dirFd);
    this.#dirFd = this.#base = undefined;
  }

  // The directory as a base for opens, checked: the very directory listed, allowed by the policy.
  #open(): string | undefined {
    if (this.#base !== undefined || this.#refused) return this.#base;
    let fd: number;
    try {
      fd = openSync(this.#host, DIR_FLAGS);
    } catch {
      this.#refused = true;
      return undefined;
    }
    try {
      const stats = fstatSync(fd);
      const same = stats.dev === this.#listed.dev && stats.ino === this.#listed.ino;
      if (same && openedAllowedSync(this.#contain, fd, this.#host, stats)) {
        const proc = descriptorPath(fd);
        this.#dirFd = proc === undefined ? undefined : fd;
        this.#base = proc ?? '';
        if (proc === undefined) closeQuietly(fd);
        return this.#base;
      }
    } catch {
      // refused below
    }
    closeQuietly(fd);
    this.#refused = true;
    return undefined;
  }
}

/**
 * Fills `bytes` from `fd` and answers the stable read, or undefined if the file changed meanwhile
 * (or, opened by `byPath`, is not allowed by the policy).
 */
function readWhole(fd: number, bytes: Buffer, pre: Stats, byPath: string | undefined, contain: Containment): StableRead | undefined {
  let filled = 0;
  while (filled < bytes.length) {
    const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
    if (n === 0) break;
    filled += n;
  }
  const after = fstatSync(fd);
  if (filled !== pre.size || !sameStamp(after, pre)) return undefined;
  if (byPath !== undefined && !openedAllowedSync(contain, fd, byPath, after)) return undefined;
  return { bytes, stats: pre };
}

/** {@link stampOf} equality without making the two strings (two per file on a first load). */
function sameStamp(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

// A failed close of a read-only descriptor loses nothing, and must not end the walk.
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to do
  }
}
