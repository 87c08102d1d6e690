/**
 * Listing a host directory under containment, shared by DiskFS's `readdir` and the mirror.
 * @module
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { descriptorPath, openedAllowed, type Containment } from './contain.js';
import { OPEN_FLAGS, closeAsync, fstatAsync, openAsync } from './disk-file.js';

// O_DIRECTORY: a file or FIFO fails with ENOTDIR at once, as a listing of it must.
const DIR_FLAGS = OPEN_FLAGS | (constants.O_DIRECTORY ?? 0);

/**
 * Opens the directory at `host`, checks what was opened against the policy of `contain`, and calls
 * `list` with a path that names that very directory: its descriptor's /proc/self/fd entry where one
 * exists, so a link swapped in after the check cannot show a name or a size from outside. Without
 * /proc the directory is listed by path, and the path must still name the checked directory when
 * `list` is done (narrower, not exact: see `openedAllowedSync`).
 *
 * Resolves `undefined` when the policy refuses what was opened; rejects with the OS error when the
 * directory cannot be opened, and with an `ENOENT` error when it was replaced while listed. The
 * descriptor is closed before it settles, whatever `list` did.
 */
export async function listCheckedDirectory<T>(contain: Containment, host: string, list: (dir: string, stats: Stats) => Promise<T>): Promise<T | undefined> {
  const fd = await openAsync(host, DIR_FLAGS);
  try {
    const stats = await fstatAsync(fd);
    if (!(await openedAllowed(contain, fd, host, stats))) return undefined;
    const dir = descriptorPath(fd) ?? host;
    const listed = await list(dir, stats);
    if (dir === host && !(await sameInode(host, stats))) throw Object.assign(new Error(`directory ${host} was replaced while listed`), { code: 'ENOENT' });
    return listed;
  } finally {
    // A failed close of a read-only descriptor loses nothing; it must not replace the answer.
    await closeAsync(fd).catch(() => {});
  }
}

async function sameInode(host: string, opened: Stats): Promise<boolean> {
  const now = await lstat(host).catch(() => undefined);
  return now !== undefined && now.dev === opened.dev && now.ino === opened.ino;
}
