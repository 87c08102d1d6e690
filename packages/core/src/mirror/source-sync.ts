import { hash } from 'node:crypto';
import { hasBytes, readRange } from '../capabilities/bytes.js';
import { hasChangeFeed, type ChangeType } from '../capabilities/change-feed.js';
import { tryStat } from '../capabilities/try-stat.js';
import { walk, type WalkEntry } from '../capabilities/walk.js';
import { FsError, isFsError, toFsError } from '../errors.js';
import { baseName, dirName, joinPath } from '../path.js';
import type { File, FileInfo, FileSystem } from '../types.js';
import { DiskView } from './disk-view.js';
import { SourceFile, sourceStamp } from './source-file.js';
import type { MirrorHost, MirrorSource } from './source.js';
import type { MirrorEntry } from './store.js';

/** A file read that met another version than the listing's is tried again this much later (doubling). */
const RETRY_MS = 50;
/** After this many tries in a row, a file waits for the next reconcile. */
const RETRIES = 6;

/**
 * Any FileSystem as a mirror's source. The first load and every reconcile list the tree with
 * {@link walk} (one flat listing where the source offers it) and read only files whose validator,
 * size or time differ from what the mirror holds, each whole (open, read, close), so a reconcile of
 * an unchanged source reads nothing. A source with a change feed is followed by it as well.
 *
 * When the source fails (anything but ENOENT/ENOTDIR: EIO, EACCES…) the mirror keeps its last good
 * state, forgets nothing, logs one error per outage and one line when a full reconcile succeeds
 * again; the first load failing rejects instead.
 */
export class FileSystemSource implements MirrorSource {
  readonly label: string;
  readonly #fs: FileSystem;
  readonly #host: MirrorHost;
  readonly #retries = new Map<string, number>();
  #stopFeed: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #loaded = false;
  #firstError: FsError | undefined;
  #outage = false;
  #failures = 0;
  #stopped = false;

  constructor(fs: FileSystem, host: MirrorHost) {
    this.#fs = fs;
    this.#host = host;
    // Never a host path: angle brackets keep it from being taken for one.
    const name = (fs.constructor as { name?: string } | undefined)?.name;
    this.label = `<${name && name !== 'Object' ? name : 'FileSystem'}>`;
  }

  async sync(path: string, deep: boolean): Promise<void> {
    const full = path === '/' && deep;
    if (full) this.#failures = 0;
    try {
      await this.#syncPath(path, deep);
    } catch (err) {
      return this.#trouble(err);
    }
    if (!full) return;
    if (this.#failures === 0 && this.#outage) {
      this.#outage = false;
      this.#host.options.logger.warn(`hotfs: ${this.label} answers again; the mirror has caught up`);
    }
  }

  async load(): Promise<void> {
    await this.#host.queue.schedule('/', true);
    if (this.#firstError !== undefined) throw this.#firstError;
    if (this.#host.store.get('/') === undefined) throw new FsError('ENOENT', '/');
    this.#loaded = true;
  }

  async follow(): Promise<void> {
    const fs = this.#fs;
    if (!hasChangeFeed(fs) || this.#stopped) return;
    // The feed announces a change once it is visible: a sync started from here sees it.
    this.#stopFeed = fs.watch(({ type, path }) => {
      if (!this.#stopped) void this.#host.queue.schedule(path, type === 'addDir' || type === 'unlinkDir');
    });
  }

  scheduleReconcile(): void {
    const interval = this.#host.options.reconcileIntervalMs;
    if (interval === 0 || this.#stopped) return;
    // Not stretched by the walk's duration as a directory's is: a source's walk is mostly waiting on
    // it (an object store's round trips), and its reconcile is how a source without a feed is followed
    // at all. One walk at a time, each `interval` after the last one ended, bounds its load.
    this.#timer = setTimeout(() => {
      void this.#host.queue.schedule('/', true).then(() => this.scheduleReconcile());
    }, interval);
    this.#timer.unref();
  }

  directoryGone(): void {}

  openOver(clean: string, entry: MirrorEntry): File {
    return new SourceFile(this.#fs, clean, entry.info, entry.stamp, (path) => this.#retry(path));
  }

  loadingView(owner: ConstructorParameters<typeof DiskView>[2]): DiskView {
    return new DiskView(this.#fs, this.#host.options.ignore, owner);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopFeed?.();
  }

  // The source belongs to the caller: it stays open.
  async close(): Promise<void> {}

  /** A failure other than a missing path: an outage, logged once; the first load keeps it to reject with. */
  #trouble(err: unknown): void {
    if (!this.#loaded) {
      this.#firstError ??= toFsError(err, '/');
      return;
    }
    this.#failures++;
    if (this.#outage || this.#stopped) return;
    this.#outage = true;
    this.#host.options.logger.error(`hotfs: cannot read ${this.label}: ${(err as Error)?.message ?? String(err)}; serving the last good state until it answers again`);
  }

  async #syncPath(path: string, deep: boolean): Promise<void> {
    const { store, options } = this.#host;
    // Below a directory the mirror does not hold yet, the nearest held ancestor is synced instead.
    if (path !== '/' && !store.get(dirName(path))?.info.isDirectory) return this.#syncPath(dirName(path), true);
    if (path !== '/' && options.ignore(path)) return this.#forget(path);
    const info = await tryStat(this.#fs, path);
    if (info === undefined) return this.#forget(path);
    if (!info.isDirectory) return this.#syncFile(path, info);
    const existed = store.get(path)?.info.isDirectory === true;
    this.#putDirectory(path, info);
    if (deep || !existed) await this.#syncTree(path);
  }

  async #syncTree(path: string): Promise<void> {
    const entries: WalkEntry[] = [];
    try {
      for await (const entry of walk(this.#fs, path)) entries.push(entry);
    } catch (err) {
      // Gone (or now a file) between the stat and the listing: the next look settles it.
      if (isFsError(err, 'ENOENT', 'ENOTDIR')) return this.#retry(path);
      throw err;
    }
    const kept = this.#keptBelow(path, entries);
    const directories = kept.filter((e) => e.info.isDirectory);
    // Parents before children: the store holds a path only below a directory it holds.
    directories.sort((a, b) => depth(a.path) - depth(b.path));
    for (const { path: p, info } of directories) this.#putDirectory(p, info);
    const seen = new Set(kept.map((e) => e.path));
    this.#forgetMissing(path, seen);
    await Promise.all(kept.filter((e) => !e.info.isDirectory).map(({ path: p, info }) => this.#syncFile(p, info)));
  }

  /** The entries neither ignored nor below an ignored directory (the mirror never enters one). */
  #keptBelow(root: string, entries: WalkEntry[]): WalkEntry[] {
    const { ignore } = this.#host.options;
    const dirs = new Map<string, boolean>([[root, true]]);
    const keptDir = (dir: string): boolean => {
      let kept = dirs.get(dir);
      if (kept === undefined) dirs.set(dir, (kept = !ignore(dir) && keptDir(dirName(dir))));
      return kept;
    };
    return entries.filter((e) => keptDir(dirName(e.path)) && !ignore(e.path));
  }

  #forgetMissing(dir: string, seen: Set<string>): void {
    const { store } = this.#host;
    for (const name of store.childNames(dir)) {
      const path = joinPath(dir, name);
      if (!seen.has(path)) this.#forget(path);
      else if (store.get(path)?.info.isDirectory) this.#forgetMissing(path, seen);
    }
  }

  #putDirectory(path: string, info: FileInfo): void {
    const mine: FileInfo = { name: baseName(path), size: 0, mtimeMs: info.mtimeMs, isDirectory: true };
    const change = this.#host.store.putDirectory(path, mine, path, sourceStamp(info));
    if (change) this.#host.changed(change, path);
  }

  #forget(path: string): void {
    for (const { path: p, type } of this.#host.store.remove(path)) this.#host.changed(type, p);
  }

  async #syncFile(path: string, info: FileInfo): Promise<void> {
    const { store } = this.#host;
    const changed = (type: ChangeType): void => this.#host.changed(type, path);
    const old = store.get(path);
    const stamp = sourceStamp(info);
    const fits = this.#host.fits(path, info.size);
    if (old && !old.info.isDirectory && old.stamp === stamp && (!old.onDisk || !fits)) return;
    if (!fits) return changed(store.putFile(path, overBudgetInfo(path, info), path, stamp, undefined));
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#host.readSlot(() => readWhole(this.#fs, path, stamp));
    } catch (err) {
      if (isFsError(err, 'ENOENT', 'ENOTDIR', 'EISDIR', 'ESTALE')) return this.#retry(path);
      // The old version (if any) stays: a read that failed half-way is never stored.
      return this.#trouble(err);
    }
    if (bytes === undefined) return this.#retry(path);
    this.#retries.delete(path);
    // Reads run in parallel: the budget is decided again here, synchronously with the store.
    if (!this.#host.fits(path, bytes.length)) return changed(store.putFile(path, overBudgetInfo(path, info), path, stamp, undefined));
    // MemFS's own strong validator (SHA-256 of the bytes held, as for a directory): every replica
    // mirroring one source sends the same ETag for the same content, whatever the source's is.
    const mine: FileInfo = { name: baseName(path), size: bytes.length, mtimeMs: info.mtimeMs, isDirectory: false, etag: hash('sha256', bytes, 'buffer').toString('base64url') };
    changed(store.putFile(path, mine, path, stamp, bytes));
  }

  /** The source showed another version than it listed, or none: look at this path again soon. */
  #retry(path: string): void {
    const tries = (this.#retries.get(path) ?? 0) + 1;
    if (tries > RETRIES || this.#stopped) return void this.#retries.delete(path);
    this.#retries.set(path, tries);
    const { queue } = this.#host;
    queue.whenQuiet(`retry ${path}`, RETRY_MS * 2 ** (tries - 1), () => void queue.schedule(path, false));
  }
}

/**
 * The whole content of the version listed with `stamp`, or undefined when the source opened another
 * one (it changed since the listing). The bytes are the mirror's own buffer: the store keeps it.
 */
async function readWhole(fs: FileSystem, path: string, stamp: string): Promise<Uint8Array | undefined> {
  const file = await fs.open(path);
  try {
    const info = await file.stat();
    if (info.isDirectory || sourceStamp(info) !== stamp) return undefined;
    if (hasBytes(file)) {
      // Shared with the source, which may reuse it: copied into a buffer of the mirror's own.
      const shared = file.bytes();
      const own = Buffer.allocUnsafeSlow(shared.length);
      own.set(shared);
      return own.length === info.size ? own : undefined;
    }
    const bytes = await readRange(file, 0, info.size);
    return bytes.length === info.size ? bytes : undefined;
  } finally {
    await file.close().catch(() => {});
  }
}

function depth(path: string): number {
  let n = 0;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) n++;
  return n;
}

// Content served by the source: the source's own validator, which is what an open of it gives.
function overBudgetInfo(path: string, info: FileInfo): FileInfo {
  const base = { name: baseName(path), size: info.size, mtimeMs: info.mtimeMs, isDirectory: false };
  if (info.etag !== undefined) return { ...base, etag: info.etag };
  return { ...base, weakEtag: info.weakEtag ?? `${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}` };
}
