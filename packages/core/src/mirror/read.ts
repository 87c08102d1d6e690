import { close, constants, fstat, open, read, stat as statCallback, type Stats } from 'node:fs';
import { openedAllowed, type Containment } from '../contain.js';
import { allocateContent } from './store.js';

/**
 * Identity of a host file version: a new inode, size, mtime or ctime means new content may exist.
 * One is kept per mirrored file: join() makes a single flat string (~80 B), where a template
 * literal leaves a tree of concatenations and number strings (~230 B).
 */
export function stampOf(stats: Stats): string {
  return [stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs].join(':');
}

/** A consistent snapshot of a file: its bytes and the stats they belong to. */
export interface StableRead {
  bytes: Uint8Array;
  stats: Stats;
}

/**
 * How long a file must have been left alone before its bytes are taken. It keeps the mirror from
 * catching a writer between two calls (write, then truncate), and on kernels whose file times are
 * coarse (one clock tick, 4-10 ms) two writes within a tick leave the same mtime, so a read soon
 * after a write could miss a same-size second write forever: after this window, an unchanged stamp
 * means unchanged content.
 */
const QUIET_MS = 25;

/**
 * How long a file that becomes empty, or is new and empty, must stay so. `fs.writeFile` and the
 * shell's `>` create or truncate first and write after; a writer descheduled between the two leaves
 * an empty file for longer than {@link QUIET_MS} on a busy machine. An empty file made on purpose
 * is rare (and only waits while it is younger than this); one caught mid-write is not.
 */
const EMPTIED_QUIET_MS = 300;

/** How often an empty file is looked at again during {@link EMPTIED_QUIET_MS}. */
const EMPTY_LOOK_MS = 10;

/** How long a file with these stats must have been left alone before its bytes are taken. */
export function quietWindow(stats: Stats, wasEmpty: boolean): number {
  return stats.size === 0 && !wasEmpty ? EMPTIED_QUIET_MS : QUIET_MS;
}

/**
 * Reads a file only from a stable read: quiet for {@link QUIET_MS} ({@link EMPTIED_QUIET_MS} when it
 * is empty and was not already mirrored empty: `wasEmpty` false), and its stamp unchanged across the
 * read, on the descriptor and on the path (an editor's rename-over). A writer caught mid-write
 * changes the stamp, so the read is retried with a short backoff; `undefined` when the file never
 * held still (the caller keeps the previous version and checks again later). `known` saves the
 * first stat when the caller has just made it. The descriptor is checked against the root and the
 * symlink policy of `contain`: when a link swapped in led the open elsewhere, it rejects with an
 * ENOENT error and nothing read is kept.
 */
export async function readStable(contain: Containment, host: string, known: Stats | undefined, wasEmpty = true, shared = false, attempts = 8): Promise<StableRead | undefined> {
  let emptyLooks = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await delay(5 * 2 ** attempt);
    // Wait out the quiet window on the path, holding no descriptor: a deleted file's space is
    // reclaimed at once, and no descriptor is spent on a file that is still being written.
    const pre = attempt === 0 && emptyLooks === 0 && known ? known : await stat(host);
    if (!pre.isFile()) return undefined;
    const quiet = quietWindow(pre, wasEmpty);
    const age = Date.now() - Math.max(pre.mtimeMs, pre.ctimeMs);
    if (age >= 0 && age < quiet) {
      // An empty file is looked at again every few ms, not once at the end of its long window: the
      // write that follows a truncate (fs.writeFile over a file) usually comes within a millisecond,
      // and its content is then served a quiet window later instead of a third of a second.
      if (quiet === EMPTIED_QUIET_MS && emptyLooks++ < EMPTIED_QUIET_MS / EMPTY_LOOK_MS) {
        await delay(Math.min(quiet - age + 1, EMPTY_LOOK_MS));
        attempt--;
        continue;
      }
      await delay(quiet - age + 1);
      continue;
    }
    const fd = await openToRead(host);
    try {
      // Sized by `pre`, with no fstat first: whatever changes the file after `pre` (before the open
      // or during the read) changes its stamp, and the two checks below catch it. With coarse file
      // times too: past the quiet window, any later write gets a later time than `pre` shows.
      // Its own exact-size buffer (never a pool slice): the Volume keeps it as the file's storage.
      // Shared memory when worker threads serve the mirror: read into it once, never copied.
      const bytes = allocateContent(pre.size, shared);
      let filled = 0;
      while (filled < bytes.length) {
        const bytesRead = await readAt(fd, bytes, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      // The descriptor's file: a writer that grew, shrank or touched it changed its stamp; a file
      // replaced before the open has another inode.
      const after = await fstatOf(fd);
      if (!(await openedAllowed(contain, fd, host, after))) throw refused();
      // Renamed over while we read (an editor's save): these bytes are already history.
      const current = await stat(host);
      const stamp = stampOf(pre);
      if (filled === pre.size && stampOf(after) === stamp && stampOf(current) === stamp) return { bytes, stats: pre };
    } finally {
      await closeFd(fd);
    }
  }
  return undefined;
}

function refused(): Error {
  return Object.assign(new Error('the opened file is not one the symlink policy serves'), { code: 'ENOENT' });
}

// Plain descriptors and callbacks, not fs/promises: a FileHandle costs ~30% more CPU per small file
// (10k files x 1 KiB, stat+open+read+fstat+stat+close, 16 in flight: ~680 vs ~510 ms), and the
// initial mirror of many small files is mostly these calls. Every fd is closed in a finally.
const done =
  <T>(resolve: (value: T) => void, reject: (err: unknown) => void) =>
  (err: NodeJS.ErrnoException | null, value: T): void =>
    err ? reject(err) : resolve(value);

/** `fs.promises.stat`, at the cost of the callback API. */
export function stat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => statCallback(path, done(resolve, reject)));
}

// Non-blocking: a file swapped for a FIFO after its stat must not hang the open (a regular file ignores it).
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function openToRead(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, READ_FLAGS, done(resolve, reject)));
}

function readAt(fd: number, into: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, into, offset, into.length - offset, offset, done(resolve, reject)));
}

function fstatOf(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, done(resolve, reject)));
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs at most `max` tasks at once; the rest wait their turn in order. The first walk of a large
 * tree queues every file at once (100,000 at a time): the queue is read by a moving head, since
 * `Array.shift()` on a long array moves all that is left.
 */
export function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  let waiting: (() => void)[] = [];
  let head = 0;
  const next = (): void => {
    if (head === waiting.length) return;
    const wake = waiting[head++]!;
    // Amortized: drop what was taken once it is most of the array.
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    wake();
  };
  return async (task) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      next();
    }
  };
}
