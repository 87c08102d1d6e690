import { statSync, realpathSync, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { resolve as resolveHostPath } from 'node:path';
import { DirectoryFile } from './directory.js';
import { FsError, isFsError, toFsError } from './errors.js';
import { baseName, cleanPath, compareNames } from './path.js';
import type { File, FileInfo, FileSystem } from './types.js';

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
export function resolveRoot(root: string): string {
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

/** Metadata in hotfs form from Node's stats: integer milliseconds, size 0 for directories. */
export function infoFromStats(name: string, stats: Stats): FileInfo {
  const isDirectory = stats.isDirectory();
  const info: FileInfo = { name, size: isDirectory ? 0 : stats.size, mtimeMs: Math.floor(stats.mtimeMs), isDirectory };
  // A cheap strong validator: a new inode, size or mtime means a new version.
  if (!isDirectory) info.etag = `${stats.ino.toString(36)}-${stats.size.toString(36)}-${Math.round(stats.mtimeMs * 1000).toString(36)}`;
  return info;
}

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
  #closed = false;

  /** @throws FsError when `root` is missing or not a directory; TypeError on a bad option. */
  constructor(root: string, options: DiskFSOptions = {}) {
    this.symlinks = checkSymlinkPolicy(options.symlinks);
    this.root = resolveRoot(root);
  }

  /**
   * Cleans a hotfs path and finds its host path under the symlink policy. Rejects with ENOENT where
   * the policy refuses a link, so a refused link looks exactly like a missing file.
   */
  async resolve(path: string): Promise<{ clean: string; host: string }> {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
    const clean = cleanPath(path);
    const host = this.root === '/' ? clean : clean === '/' ? this.root : this.root + clean;
    if (this.symlinks === 'follow') return { clean, host };
    let real: string;
    try {
      real = await fsp.realpath(host);
    } catch (err) {
      throw toFsError(err, clean);
    }
    const allowed = this.symlinks === 'never' ? real === host : isInside(real, this.root);
    if (!allowed) throw new FsError('ENOENT', clean, 'symbolic link not followed');
    return { clean, host: real };
  }

  async open(path: string): Promise<File> {
    const { clean, host } = await this.resolve(path);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(host, 'r');
      const info = infoFromStats(baseName(clean), await handle.stat());
      if (info.isDirectory) {
        await handle.close();
        return new DirectoryFile(this, clean, info);
      }
      return new DiskFile(handle, clean, info);
    } catch (err) {
      await handle?.close().catch(() => {});
      throw toFsError(err, clean);
    }
  }

  async stat(path: string): Promise<FileInfo> {
    const { clean, host } = await this.resolve(path);
    try {
      return infoFromStats(baseName(clean), await fsp.stat(host));
    } catch (err) {
      throw toFsError(err, clean);
    }
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    try {
      return await this.stat(path);
    } catch (err) {
      if (isFsError(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const { clean, host } = await this.resolve(path);
    let names: string[];
    try {
      names = await fsp.readdir(host);
    } catch (err) {
      throw toFsError(err, clean);
    }
    const infos = await Promise.all(names.map((name) => this.#entryInfo(host, name)));
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
        return infoFromStats(name, await fsp.stat(host));
      }
      return infoFromStats(name, lstats);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function isInside(real: string, root: string): boolean {
  return real === root || root === '/' || real.startsWith(root + '/');
}

class DiskFile implements File {
  #handle: fsp.FileHandle | undefined;
  constructor(
    handle: fsp.FileHandle,
    private readonly path: string,
    private readonly info: FileInfo,
  ) {
    this.#handle = handle;
  }

  async stat(): Promise<FileInfo> {
    this.#check();
    return this.info;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    const handle = this.#check();
    checkPosition(position, this.path);
    if (into.length === 0) return 0;
    try {
      const { bytesRead } = await handle.read(into, 0, into.length, position);
      return bytesRead;
    } catch (err) {
      throw toFsError(err, this.path);
    }
  }

  async readdir(): Promise<FileInfo[]> {
    this.#check();
    throw new FsError('ENOTDIR', this.path);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #check(): fsp.FileHandle {
    if (!this.#handle) throw new FsError('EBADF', this.path);
    return this.#handle;
  }
}


/** Rejects positions that `pread` would: negative, fractional or not a number. */
export function checkPosition(position: number, path: string): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new FsError('EINVAL', path, `invalid read position ${position}`);
}
