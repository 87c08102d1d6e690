import { hash } from 'node:crypto';
import { lstatSync, type Dirent, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { portableAllowed } from '../contain.js';
import { resolveHost, type DiskFS } from '../disk.js';
import { isFsError } from '../errors.js';
import { listCheckedDirectory } from '../host-dir.js';
import { baseName, dirName, joinPath } from '../path.js';
import type { FileInfo } from '../types.js';
import { readStable, stampOf, stat, type StableRead } from './read.js';
import { DirectoryReader } from './read-now.js';
import { nextSlice, sliceUsed } from './slice.js';
import { childHost, type ChangeType, type MirrorEntry, type MirrorStore } from './store.js';

/** What the sync engine needs from its owner. */
export interface SyncContext {
  store: MirrorStore;
  disk: DiskFS;
  ignored(path: string): boolean;
  /** Memory budget: whether a file of `size` bytes may be held, given what `path` holds now. */
  fits(path: string, size: number): boolean;
  changed(type: ChangeType, path: string): void;
  /** A file could not be read consistently: look again later. */
  unstable(path: string): void;
  /**
   * A directory stands at `path` that the mirror did not hold there a moment ago: new (told before
   * it is listed), or another inode that replaced the one held (`replaced`, told once listed). It
   * must be watched from now on.
   */
  newDirectory(path: string, host: string, replaced: boolean): void;
  warn(message: string): void;
  /** Runs a file read when one of a bounded number of slots is free (descriptors stay bounded). */
  readSlot<T>(read: () => Promise<T>): Promise<T>;
}

/**
 * Brings one hotfs path of the mirror in line with the disk, reading only what changed. `deep` also
 * reconciles every descendant of a directory (a readdir + stat walk; unchanged files are not read).
 * Events are only hints: this looks at the disk as it is now.
 */
export async function syncPath(ctx: SyncContext, path: string, deep: boolean): Promise<void> {
  const { store } = ctx;
  if (path !== '/' && !store.get(dirName(path))?.info.isDirectory) return syncPath(ctx, dirName(path), true);
  if (path !== '/' && ctx.ignored(path)) return forget(ctx, path);
  let host: string;
  try {
    host = (await resolveHost(ctx.disk, path)).host;
  } catch (err) {
    if (!isFsError(err, 'EINVAL') && !isFsError(err, 'EBADF')) return forget(ctx, path);
    throw err;
  }
  return syncAt(ctx, path, host, deep);
}

/** Syncs a path whose real host path is known (resolved, or a plain entry of a real directory). */
async function syncAt(ctx: SyncContext, path: string, host: string, deep: boolean): Promise<void> {
  const { store } = ctx;
  let stats: Stats;
  try {
    stats = await stat(host);
  } catch {
    return forget(ctx, path);
  }
  const parentHost = path === '/' ? undefined : store.get(dirName(path))!.host;
  if (parentHost !== undefined && host !== childHost(parentHost, baseName(path))) store.links.set(path, host);
  else store.links.delete(path);
  if (stats.isDirectory()) return syncDirectory(ctx, path, host, stats, deep);
  // A FIFO, socket or device is not content: opening a FIFO would block the sync queue forever.
  if (!stats.isFile()) return forget(ctx, path);
  return syncFile(ctx, path, host, stats);
}

function forget(ctx: SyncContext, path: string): void {
  const removed = ctx.store.remove(path);
  for (const { path: p, type } of removed) ctx.changed(type, p);
}

async function syncDirectory(ctx: SyncContext, path: string, host: string, pathStats: Stats, deep: boolean): Promise<void> {
  const { store } = ctx;
  const parentHost = path === '/' ? undefined : store.get(dirName(path))?.host;
  // A directory link back into its own ancestry would make the tree infinite: leave it out.
  if (parentHost !== undefined && (parentHost === host || parentHost.startsWith(host + '/'))) {
    ctx.warn(`not mirroring ${path}: it is a symbolic link to one of its own ancestors`);
    return forget(ctx, path);
  }
  const old = store.get(path);
  const existed = old?.info.isDirectory === true;
  // Watched before it is listed: whatever changes after the listing is reported.
  if (!existed) ctx.newDirectory(path, host, false);
  let listed: { stats: Stats; entries: Dirent[] | undefined } | undefined;
  let replaced = false;
  try {
    // Opened and checked like a file, then listed through its descriptor (host-dir.ts): a link
    // swapped in for the directory cannot bring names or metadata from outside into the mirror.
    listed = await listCheckedDirectory(ctx.disk, host, async (dir, stats) => {
      // Another directory renamed over this one, or made where it was removed, brings children no
      // event named (the parent's watch reports only this path, the old watch died with the old
      // directory): list it as if it were new, and watch it anew.
      replaced = existed && !old.stamp.startsWith(directoryIdentity(stats));
      return { stats, entries: existed && !deep && !replaced ? undefined : await readdir(dir, { withFileTypes: true }) };
    });
  } catch (err) {
    if (changedUnderUs(err)) return ctx.unstable(path);
    // Unreadable: it exists, but it and everything below answer with its error, as on disk. Its
    // metadata comes from the path, so the path must still lead where the policy allows.
    if (!(await portableAllowed(ctx.disk, host, pathStats))) return ctx.unstable(path);
    putDirectory(ctx, path, host, pathStats);
    for (const name of store.childNames(path)) forget(ctx, joinPath(path, name));
    store.unreadable.set(path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    return;
  }
  // Refused: a link swapped in since the path was resolved. Resolved again later, it settles.
  if (listed === undefined) return ctx.unstable(path);
  const { stats, entries } = listed;
  putDirectory(ctx, path, host, stats);
  if (replaced) ctx.newDirectory(path, host, true);
  if (entries === undefined) return;
  store.unreadable.delete(path);
  const onDisk = new Set(entries.map((e) => e.name));
  for (const name of store.childNames(path)) if (!onDisk.has(name)) forget(ctx, joinPath(path, name));
  // Children in parallel (file reads are bounded by ctx.readSlot). A plain entry of a real directory
  // is its own real path: only symbolic links need resolving under the policy. A plain file is
  // first tried at once (syncFileNow): most are small and quiet, and settle without a promise.
  const pending: Promise<void>[] = [];
  // Awaited together at the end; until then a failure must not count as unhandled.
  const later = (sync: Promise<void>): void => {
    sync.catch(() => {});
    pending.push(sync);
  };
  const reader = new DirectoryReader(ctx.disk, host, stats, store);
  try {
    for (const entry of entries) {
      const child = joinPath(path, entry.name);
      if (entry.isSymbolicLink() || ctx.ignored(child)) later(syncPath(ctx, child, true));
      else if (!entry.isFile() || !syncFileNow(ctx, reader, child, childHost(host, entry.name), entry.name)) {
        later(syncAt(ctx, child, childHost(host, entry.name), true));
      }
      if (sliceUsed()) {
        reader.release();
        await nextSlice();
      }
    }
  } finally {
    reader.release();
  }
  await Promise.all(pending);
}

function putDirectory(ctx: SyncContext, path: string, host: string, stats: Stats): void {
  const info: FileInfo = { name: baseName(path), size: 0, mtimeMs: Math.floor(stats.mtimeMs), isDirectory: true };
  const change = ctx.store.putDirectory(path, info, host, directoryIdentity(stats) + stampOf(stats));
  if (change) ctx.changed(change, path);
}

async function syncFile(ctx: SyncContext, path: string, host: string, stats: Stats): Promise<void> {
  const { store } = ctx;
  const old = store.get(path);
  const stamp = stampOf(stats);
  if (isHeldVersion(ctx, path, host, old, stamp, stats.size)) return;
  const fits = ctx.fits(path, stats.size);
  if (!fits) {
    // Metadata only, from the path: the path must still lead where the policy allows.
    if (!(await portableAllowed(ctx.disk, host, stats))) return ctx.unstable(path);
    return ctx.changed(store.putFile(path, onDiskInfo(path, stats, stamp), host, stamp, undefined), path);
  }
  let read;
  try {
    read = await ctx.readSlot(() => readStable(ctx.disk, host, stats, old !== undefined && !old.info.isDirectory && old.info.size === 0, store.shared));
  } catch (err) {
    if (changedUnderUs(err)) return ctx.unstable(path);
    // Unreadable (EACCES, EIO…): mirror the metadata and let DiskFS answer for the content, so
    // MemFS fails exactly where DiskFS does. The metadata comes from the path, checked as above.
    if (!(await portableAllowed(ctx.disk, host, stats))) return ctx.unstable(path);
    if (!old?.onDisk) ctx.warn(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): its content is served from disk`);
    return ctx.changed(store.putFile(path, onDiskInfo(path, stats, stamp), host, stamp, undefined), path);
  }
  if (!read) return ctx.unstable(path);
  keep(ctx, path, host, read);
}

/**
 * {@link syncAt} for a plain entry of a directory just listed, done at once with blocking calls
 * when that is the whole story: a regular file that is unchanged, or small, quiet and read in one
 * stable read by `reader`. False when it is not; the caller then runs syncAt, which starts over and
 * handles every other case (waits, retries, errors, links, the memory budget).
 */
function syncFileNow(ctx: SyncContext, reader: DirectoryReader, path: string, host: string, name: string): boolean {
  const { store } = ctx;
  const old = store.get(path);
  const oldFile = old !== undefined && !old.info.isDirectory ? old : undefined;
  // A file the mirror holds is looked at first (one stat): a reconcile mostly finds it unchanged.
  if (oldFile !== undefined && unchangedNow(ctx, path, host, oldFile)) return true;
  const read = reader.read(name, oldFile?.info.size === 0, (size) => ctx.fits(path, size));
  if (read === undefined) return false;
  store.links.delete(path);
  keep(ctx, path, host, read);
  return true;
}

/** Whether the file the mirror holds at `path` is still what `host` shows (one blocking stat). */
function unchangedNow(ctx: SyncContext, path: string, host: string, held: MirrorEntry): boolean {
  let stats: Stats | undefined;
  try {
    stats = lstatSync(host, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (stats === undefined || !stats.isFile()) return false;
  const unchanged = isHeldVersion(ctx, path, host, held, stampOf(stats), stats.size);
  if (unchanged) ctx.store.links.delete(path);
  return unchanged;
}

/**
 * What a sync of a file skips: `held` is the file version `stamp` names, found at the same place, and
 * kept in memory or on disk as the budget still says.
 */
function isHeldVersion(ctx: SyncContext, path: string, host: string, held: MirrorEntry | undefined, stamp: string, size: number): boolean {
  return held !== undefined && !held.info.isDirectory && held.stamp === stamp && ctx.store.hostOf(path) === host && (!held.onDisk || !ctx.fits(path, size));
}

/** Stores a stable read as the path's new version, within the budget decided now. */
function keep(ctx: SyncContext, path: string, host: string, read: StableRead): void {
  const { store } = ctx;
  const readStamp = stampOf(read.stats);
  // Reads run in parallel: the budget is decided again here, synchronously with the store.
  if (!ctx.fits(path, read.bytes.length)) {
    return ctx.changed(store.putFile(path, onDiskInfo(path, read.stats, readStamp), host, readStamp, undefined), path);
  }
  // A strong validator: the SHA-256 of exactly the bytes held, so two contents share it only through
  // a SHA-256 collision (none is known; SHA-1 has practical ones, and a truncated digest brings the
  // generic attack within reach). One flat 43-character base64url string per version.
  const info = heldInfo(path, read.stats, hash('sha256', read.bytes, 'buffer').toString('base64url'));
  ctx.changed(store.putFile(path, info, host, readStamp, read.bytes), path);
}

/** The path was replaced or removed between two calls: look again later instead of concluding. */
function changedUnderUs(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

// Each FileInfo is one literal with every field: a spread copy, once frozen, got a hidden class of
// its own (~250 bytes per file in a heap snapshot of 10,000 mirrored files).
function heldInfo(path: string, stats: Stats, etag: string): FileInfo {
  return { name: baseName(path), size: stats.size, mtimeMs: Math.floor(stats.mtimeMs), isDirectory: false, etag };
}

// A file whose content stays on disk is known by its stamp only: weak, since a same-size rewrite
// within one tick of the file times leaves the stamp as it was. (Opened, it is DiskFS's file, with
// DiskFS's validator.)
function onDiskInfo(path: string, stats: Stats, stamp: string): FileInfo {
  return { name: baseName(path), size: stats.size, mtimeMs: Math.floor(stats.mtimeMs), isDirectory: false, weakEtag: `d${stamp}` };
}

/**
 * What tells a directory from another that took its place, as the start of its stamp: the inode
 * number and the birth time. A filesystem may give a new directory the number of one just removed
 * (ext4 does, at once: `rm -r a; mkdir a`); its birth time differs (0 on both where a filesystem
 * keeps none, and then the number alone decides).
 */
function directoryIdentity(stats: Stats): string {
  return `${stats.ino}/${stats.birthtimeMs}|`;
}
