import { closeSync, fstatSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { resolve as resolveHostPath } from 'node:path';
import { found } from './capabilities/try-open-sync.js';
import { allowed, isInside, openedAllowed, openedAllowedSync } from './contain.js';
import { DirectoryFile } from './directory.js';
import { DiskFile, OPEN_FLAGS, SYNC_READ_LIMIT, SmallDiskFile, fstatAsync, infoFromStats, isServable, openAsync } from './disk-file.js';
import { FsError, isFsError, toFsError } from './errors.js';
import { listCheckedDirectory } from './host-dir.js';
import { baseName, cleanPath, compareNames } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';

export { SYNC_READ_LIMIT } from './disk-file.js';

/**
 * Which symbolic links a backend follows.
 * - `'inside'` (default): a link is followed only when its real target lies inside the root.
 * - `'follow'`: every link is followed, wherever it points (Go's `http.Dir`). Serves bytes from
 *   outside the root: choose it only for trees you control.
 * - `'never'`: no link is followed.
 *
 * A link that is not followed, or that dangles, does not exist: `ENOENT`, and absent from listings.
 */
export type SymlinkPolicy = 'inside' | 'follow' | 'never';

const symlinkPolicies: readonly SymlinkPolicy[] = ['inside', 'follow', 'never'];

/** Options of {@link DiskFS}. */
export interface DiskFSOptions {
  /** Which symbolic links to follow; default `'inside'`. */
  symlinks?: SymlinkPolicy;
  /**
   * How lookups and small reads call the OS.
   * - `'sync'` (default): stat, open, close and reads of up to {@link SYNC_READ_LIMIT}
   *   bytes are blocking calls, as nginx makes them: on a local disk each takes 1-5 µs, while a
   *   thread-pool round trip costs 10-35 µs. Larger reads and directory listings stay async.
   *   The backend then offers {@link FileSystem.tryOpenSync} and, for small files, {@link File.bytes}.
   * - `'async'`: every call goes through Node's thread pool. Choose it for a slow or network
   *   filesystem, where one blocking call could stall the whole server.
   */
  io?: 'sync' | 'async';
}

const diskOptionNames = new Set(['symlinks', 'io']);

// DiskFS takes no logger: it does no work in the background, so every failure reaches the caller
// as the FsError of the call that met it, and there is nothing else to report.
function checkDiskOptions(options: DiskFSOptions): { symlinks: SymlinkPolicy; io: 'sync' | 'async' } {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`DiskFS options must be an object; got ${JSON.stringify(options) ?? String(options)}`);
  for (const key of Object.keys(options)) if (!diskOptionNames.has(key)) throw new TypeError(`unknown DiskFS option '${key}'`);
  return { symlinks: checkSymlinkPolicy(options.symlinks), io: checkIo(options.io) };
}

function checkIo(value: unknown): 'sync' | 'async' {
  if (value === undefined || value === 'sync' || value === 'async') return value ?? 'sync';
  throw new TypeError(`option 'io' must be 'sync' or 'async'; got ${JSON.stringify(value)}`);
}

/** Checks a symlink policy option, throwing a `TypeError` that names the option. */
export function checkSymlinkPolicy(value: unknown, option = 'symlinks'): SymlinkPolicy {
  if (value === undefined) return 'inside';
  if (symlinkPolicies.includes(value as SymlinkPolicy)) return value as SymlinkPolicy;
  throw new TypeError(`option '${option}' must be one of ${symlinkPolicies.map((p) => `'${p}'`).join(', ')}; got ${JSON.stringify(value)}`);
}

/**
 * Resolves a directory given on the command line or in code to its real absolute path, throwing an
 * {@link FsError} that names it when it is missing or not a directory.
 */
function resolveRoot(root: string): string {
  if (typeof root !== 'string' || root === '') throw new TypeError(`root must be a non-empty string; got ${JSON.stringify(root)}`);
  let stats: Stats;
  try {
    stats = statSync(root);
  } catch (err) {
    throw new FsError(toFsError(err, root).code, root, `cannot serve root directory ${JSON.stringify(root)}`, { cause: err });
  }
  if (!stats.isDirectory()) throw new FsError('ENOTDIR', root, `root ${JSON.stringify(root)} is not a directory`);
  return realpathSync(resolveHostPath(root));
}

/**
 * Package-internal (not exported from the index, so no public method hands out a host path): the
 * host path of a hotfs path under the disk's symlink policy, for the mirror that reads it.
 */
export let resolveHost: (disk: DiskFS, path: string) => Promise<{ clean: string; host: string }>;

/**
 * Package-internal: the disk's synchronous open, whatever its `io` mode, for MemFS, which serves
 * the files over its memory budget from disk.
 */
export let openSyncOnDisk: (disk: DiskFS, path: string) => File | undefined;

/**
 * A directory on disk as a {@link FileSystem}.
 *
 * @example
 * ```ts
 * const fs = new DiskFS('./public');
 * const text = new TextDecoder().decode(await readFile(fs, '/index.html'));
 * ```
 */
export class DiskFS implements FileSystem {
  /** The real, absolute path of the served directory. */
  readonly root: string;
  /** The symlink policy in force. */
  readonly symlinks: SymlinkPolicy;
  /** How the OS is called (see {@link DiskFSOptions.io}). */
  readonly io: 'sync' | 'async';
  /** Present only with `io: 'sync'`: an open without a promise (see {@link FileSystem.tryOpenSync}). */
  readonly tryOpenSync?: (path: string) => File | undefined;
  #closed = false;

  /**
   * Validates `options` as the constructor does, without touching the disk (a command line checks
   * every value before it opens anything).
   * @throws TypeError naming a bad or unknown option.
   */
  static checkOptions(options: DiskFSOptions): void {
    checkDiskOptions(options);
  }

  /** @throws FsError when `root` is missing or not a directory; TypeError naming a bad or unknown option. */
  constructor(root: string, options: DiskFSOptions = {}) {
    ({ symlinks: this.symlinks, io: this.io } = checkDiskOptions(options));
    this.root = resolveRoot(root);
    if (this.io === 'sync') this.tryOpenSync = (path) => this.#tryOpenSync(path);
  }

  static {
    resolveHost = (disk, path) => disk.#resolve(path);
    openSyncOnDisk = (disk, path) => disk.#tryOpenSync(path);
  }

  #hostOf(path: string): { clean: string; host: string } {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
    const clean = cleanPath(path);
    return { clean, host: this.root === '/' ? clean : clean === '/' ? this.root : this.root + clean };
  }

  // Cleans a hotfs path and finds its host path under the symlink policy. Rejects with ENOENT where
  // the policy refuses a link, so a refused link looks exactly like a missing file. Host paths stay
  // inside the package: only the mirror reaches this, through resolveHost.
  async #resolve(path: string): Promise<{ clean: string; host: string }> {
    const { clean, host } = this.#hostOf(path);
    if (this.symlinks === 'follow') return { clean, host };
    let real: string;
    try {
      real = this.io === 'sync' ? realpathSync.native(host) : await fsp.realpath(host);
    } catch (err) {
      throw toFsError(err, clean);
    }
    if (!allowed(this, host, real)) throw new FsError('ENOENT', clean, 'symbolic link not followed');
    return { clean, host: real };
  }

  // A miss is one stat that throws nothing. A hit is open, fstat, and the policy checked on what
  // was actually opened (contain.ts): no window for a link swapped in between, unlike realpath-then-open.
  #tryOpenSync(path: string): File | undefined {
    const { clean, host } = this.#hostOf(path);
    let fd: number | undefined;
    try {
      const seen = statSync(host, { throwIfNoEntry: false });
      if (seen === undefined || !isServable(seen)) return undefined;
      fd = openSync(host, OPEN_FLAGS);
      const stats = fstatSync(fd);
      if (!openedAllowedSync(this, fd, host, stats)) {
        const refused = fd;
        fd = undefined;
        closeSync(refused);
        return undefined;
      }
      return this.#opened(fd, clean, stats, true);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      const error = toFsError(err, clean);
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  #opened(fd: number, clean: string, stats: Stats, sync: boolean): File {
    if (!isServable(stats)) throw new FsError('ENOENT', clean, 'not a regular file or directory');
    const info = infoFromStats(baseName(clean), stats);
    if (info.isDirectory) {
      closeSync(fd);
      return new DirectoryFile(this, clean, info);
    }
    return sync && info.size <= SYNC_READ_LIMIT ? new SmallDiskFile(fd, clean, info, true) : new DiskFile(fd, clean, info, sync);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    if (this.tryOpenSync) return this.tryOpenSync(path);
    try {
      return await this.open(path);
    } catch (err) {
      if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async open(path: string): Promise<File> {
    if (this.tryOpenSync) return found(this.tryOpenSync(path), path);
    // The policy checked on the path first (a refused link costs no open of its target), then on
    // what was opened: a link swapped in between is caught there.
    const { clean, host } = await this.#resolve(path);
    let fd: number | undefined;
    try {
      fd = await openAsync(host, OPEN_FLAGS);
      const stats = await fstatAsync(fd);
      if (!(await openedAllowed(this, fd, host, stats))) throw new FsError('ENOENT', clean, 'symbolic link not followed');
      return this.#opened(fd, clean, stats, false);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      throw toFsError(err, clean);
    }
  }

  async stat(path: string): Promise<FileInfo> {
    if (this.io === 'sync') return found(this.#tryStatSync(path), path);
    const { clean, host } = await this.#resolve(path);
    try {
      const stats = await fsp.stat(host);
      if (!isServable(stats)) throw new FsError('ENOENT', clean, 'not a regular file or directory');
      return infoFromStats(baseName(clean), stats);
    } catch (err) {
      throw toFsError(err, clean);
    }
  }

  // Like #tryOpenSync: a miss is one stat that throws nothing; a hit is realpath (policy), stat.
  #tryStatSync(path: string): FileInfo | undefined {
    const { clean, host } = this.#hostOf(path);
    try {
      const seen = statSync(host, { throwIfNoEntry: false });
      if (seen === undefined || !isServable(seen)) return undefined;
      const real = this.symlinks === 'follow' ? host : realpathSync.native(host);
      if (!allowed(this, host, real)) return undefined;
      const stats = real === host ? seen : statSync(real);
      return isServable(stats) ? infoFromStats(baseName(clean), stats) : undefined;
    } catch (err) {
      const error = toFsError(err, clean);
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    if (this.io === 'sync') return this.#tryStatSync(path);
    try {
      return await this.stat(path);
    } catch (err) {
      if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  // Listings stay async in both modes: their cost grows with the directory. The directory is opened
  // and checked like a file, then listed through its descriptor (host-dir.ts).
  async readdir(path: string): Promise<FileInfo[]> {
    const { clean, host } = await this.#resolve(path);
    let infos: (FileInfo | undefined)[] | undefined;
    try {
      infos = await listCheckedDirectory(this, host, async (dir) => {
        const names = await fsp.readdir(dir);
        return Promise.all(names.map((name) => this.#entryInfo(dir, name)));
      });
    } catch (err) {
      throw toFsError(err, clean);
    }
    if (infos === undefined) throw new FsError('ENOENT', clean, 'symbolic link not followed');
    return infos.filter((info): info is FileInfo => info !== undefined).sort((a, b) => compareNames(a.name, b.name));
  }

  // An entry the policy hides, or that vanished since the listing, is left out.
  async #entryInfo(dirHost: string, name: string): Promise<FileInfo | undefined> {
    const host = dirHost === '/' ? '/' + name : dirHost + '/' + name;
    try {
      const lstats = await fsp.lstat(host);
      if (lstats.isSymbolicLink()) {
        if (this.symlinks === 'never') return undefined;
        if (this.symlinks === 'inside' && !isInside(await fsp.realpath(host), this.root)) return undefined;
        const stats = await fsp.stat(host);
        return isServable(stats) ? infoFromStats(name, stats) : undefined;
      }
      return isServable(lstats) ? infoFromStats(name, lstats) : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
