/**
 * Containment of host opens: after a descriptor is opened, check that what it holds is something
 * the symlink policy serves. Checking a path first and opening it afterwards leaves a window in
 * which a link swapped in (the file itself, or any directory above it) leads the open outside the
 * root; checking the descriptor closes that window.
 * @module
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';

/**
 * What a check needs: the real root and the policy (a `DiskFS` is one). The policy is spelled out
 * rather than imported so this module depends on nothing else in the package.
 */
export interface Containment {
  /** Real, absolute host path of the served directory. */
  readonly root: string;
  /** `'inside'`, `'follow'` or `'never'`, as {@link DiskFS}'s option. */
  readonly symlinks: 'inside' | 'follow' | 'never';
}

/** Whether `real` lies inside `root` (or is it). */
export function isInside(real: string, root: string): boolean {
  return real === root || root === '/' || real.startsWith(root + '/');
}

/**
 * Whether the policy serves what sits at `host` when its real location is `real`. `'never'`
 * accepts only a path reached through no link at all: its real path is its own.
 */
export function allowed(c: Containment, host: string, real: string): boolean {
  if (c.symlinks === 'follow') return true;
  return c.symlinks === 'never' ? real === host : isInside(real, c.root);
}

/** Whether /proc/self/fd names open descriptors (Linux); settled on first use. */
let procFd: boolean | undefined;

/**
 * The real path of an open descriptor from /proc/self/fd (Linux), `undefined` where there is no
 * such thing. It is the kernel's own name for the inode it opened: no second lookup a racer could
 * steer. A readlink of procfs touches no disk, so it is a blocking call even for `io: 'async'`.
 */
function openedPath(fd: number): string | undefined {
  if (procFd === false) return undefined;
  try {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    procFd = true;
    return path;
  } catch (err) {
    if (procFd === undefined) procFd = false;
    else throw err;
    return undefined;
  }
}

/**
 * Where /proc/self/fd exists, a path that names the directory a descriptor holds (listing it lists
 * that very directory, whatever happened to its path since); `undefined` elsewhere.
 */
export function descriptorPath(fd: number): string | undefined {
  return openedPath(fd) === undefined ? undefined : `/proc/self/fd/${fd}`;
}

/**
 * Whether the descriptor `fd`, opened from `host` and fstat'ed as `opened`, holds something the
 * policy serves. Where /proc/self/fd exists (Linux), the policy is checked on the path the kernel
 * gives for the descriptor: exact, whatever moves. Elsewhere (macOS, the BSDs), the portable check
 * {@link portableAllowedSync}. Both refuse a file deleted since it was opened under `'never'`
 * (harmless: it looks missing, as it is).
 *
 * /proc comes first because the portable check cannot be exact with Node's fs API (no `openat`,
 * no `RESOLVE_BENEATH`): it compares inodes through a second lookup by path, which a racer that
 * swaps a directory above the file out, back and out again between the lookups can fool (the
 * link-racer test without /proc shows it). A swapped last component it does catch.
 */
export function openedAllowedSync(c: Containment, fd: number, host: string, opened: Stats): boolean {
  if (c.symlinks === 'follow') return true;
  const real = openedPath(fd);
  return real !== undefined ? allowed(c, host, real) : portableAllowedSync(c, host, opened);
}

/**
 * The check of {@link openedAllowedSync} without /proc: resolve `host` now, check the policy on
 * that real path, and require what it names, not following a link at its end (lstat), to be the
 * descriptor's inode (dev + ino). A link that led the open outside and was swapped back, or one
 * still in place, makes the inodes differ or fails the policy.
 */
export function portableAllowedSync(c: Containment, host: string, opened: Stats): boolean {
  try {
    const resolved = realpathSync.native(host);
    if (!allowed(c, host, resolved)) return false;
    const now = lstatSync(resolved);
    return now.dev === opened.dev && now.ino === opened.ino;
  } catch {
    return false;
  }
}

/** {@link openedAllowedSync} with the portable check's path lookups in the thread pool. */
export async function openedAllowed(c: Containment, fd: number, host: string, opened: Stats): Promise<boolean> {
  if (c.symlinks === 'follow') return true;
  const real = openedPath(fd);
  return real !== undefined ? allowed(c, host, real) : portableAllowed(c, host, opened);
}

/** {@link portableAllowedSync} with its lookups in the thread pool. */
export async function portableAllowed(c: Containment, host: string, opened: Stats): Promise<boolean> {
  try {
    const resolved = await realpath(host);
    if (!allowed(c, host, resolved)) return false;
    const now = await lstat(resolved);
    return now.dev === opened.dev && now.ino === opened.ino;
  } catch {
    return false;
  }
}
