import { FsError, toFsError } from './errors.js';
import type { Logger } from './logger.js';
import type { File, FileInfo } from './types.js';
import { describeValue } from './wrap.js';

/** Options of {@link CacheFS}. */
export interface CacheFSOptions {
  /** Most bytes of file content held at once (a positive integer). Least recently used content goes first. */
  maxBytes: number;
  /**
   * How long, in milliseconds, an answer is trusted without asking the source (0 or more;
   * `Infinity` never asks again unless the source's change feed says so). An older entry is
   * revalidated with one `stat` of the source; its content is read again only when its validator
   * changed.
   */
  maxAge: number;
  /**
   * Largest file held in memory, in bytes (at most `maxBytes`); default `maxBytes / 8`, so one big
   * file cannot push out most of the cache. Larger files are opened from the source each time.
   */
  maxFileSize?: number;
  /**
   * Most metadata entries held (stats, misses, listings; a listing counts one per name it holds, plus
   * one); default 10,000. Metadata does not count toward `maxBytes`.
   */
  maxEntries?: number;
  /** Where a source outage is reported: one `warn` when it starts, one `info` when it ends. Default: silent. */
  logger?: Logger;
}

/** The options of {@link CacheFS}, checked, with defaults filled in. */
export interface ResolvedCacheOptions {
  readonly maxBytes: number;
  readonly maxAge: number;
  readonly maxFileSize: number;
  readonly maxEntries: number;
  readonly logger: Logger | undefined;
}

const names = new Set(['maxBytes', 'maxAge', 'maxFileSize', 'maxEntries', 'logger']);

/** Checks `options`, throwing a TypeError that names the first bad one. */
export function resolveCacheOptions(options: CacheFSOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`CacheFS options must be an object with maxBytes and maxAge; got ${describeValue(options)}`);
  // A misspelt option (maxAgeMs) would otherwise be a silent default.
  for (const key of Object.keys(options)) if (!names.has(key)) throw new TypeError(`CacheFS has no option '${key}'`);
  const { maxBytes, maxAge, maxFileSize, maxEntries = 10_000, logger } = options;
  if (!isCount(maxBytes) || maxBytes === 0) throw new TypeError(`CacheFS option 'maxBytes' must be a positive integer (bytes); got ${describeValue(maxBytes)}`);
  if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new TypeError(`CacheFS option 'maxAge' must be a number of milliseconds, 0 or more; got ${describeValue(maxAge)}`);
  if (maxFileSize !== undefined && (!isCount(maxFileSize) || maxFileSize > maxBytes)) {
    throw new TypeError(`CacheFS option 'maxFileSize' must be an integer from 0 to maxBytes (${maxBytes}); got ${describeValue(maxFileSize)}`);
  }
  if (!isCount(maxEntries) || maxEntries === 0) throw new TypeError(`CacheFS option 'maxEntries' must be a positive integer; got ${describeValue(maxEntries)}`);
  if (logger !== undefined && !(['info', 'warn', 'error'] as const).every((m) => typeof (logger as Partial<Logger> | null)?.[m] === 'function')) {
    throw new TypeError(`CacheFS option 'logger' must have info, warn and error methods (console works)`);
  }
  return { maxBytes, maxAge, maxFileSize: maxFileSize ?? Math.floor(maxBytes / 8), maxEntries, logger };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * What says two versions of a path have the same content: the ETag (strong or weak: a backend may
 * make the same tag strong once it is old enough, as DiskFS does), else size and mtime. The NUL
 * keeps the fallback from ever equalling a tag.
 */
export function validatorOf(info: FileInfo): string {
  return info.etag ?? info.weakEtag ?? `\0${info.size}:${info.mtimeMs}`;
}

/** Codes that are the source's answer about a path, not a failure of the source itself. */
const ANSWERS = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EISDIR', 'EINVAL']);

/** Whether `err` says the source could not answer (EIO, ESTALE, a timeout…), so a stale entry may stand in. */
export function isOutage(err: FsError): boolean {
  return !ANSWERS.has(err.code);
}

/**
 * A directory opened through a {@link CacheFS}: its info as the cache knew it, its listing asked of
 * the cache when read. Opening one costs no call to the source.
 */
export class CacheDirectory implements File {
  #open = true;
  constructor(
    private readonly path: string,
    private readonly info: FileInfo,
    private readonly list: (path: string) => Promise<FileInfo[]>,
  ) {}

  async stat(): Promise<FileInfo> {
    return this.statSync();
  }

  statSync(): FileInfo {
    if (!this.#open) throw new FsError('EBADF', this.path);
    return this.info;
  }

  async read(): Promise<number> {
    this.statSync();
    throw new FsError('EISDIR', this.path);
  }

  async readdir(): Promise<FileInfo[]> {
    this.statSync();
    return this.list(this.path);
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  closeSync(): void {
    this.#open = false;
  }
}

/**
 * Entries that share a budget of weight (bytes, or metadata entries), least recently used first
 * out: a Map keeps insertion order, so a use moves the entry to the end and eviction takes from
 * the front.
 */
export class Lru<V> {
  readonly #map = new Map<string, { value: V; weight: number }>();
  #total = 0;
  /** The most recently used key: using it again moves nothing (a Map delete + set per hit of a hot file is measurable). */
  #newest: string | undefined;
  constructor(private readonly budget: number) {}

  /** Sum of the weights held. */
  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key)?.value;
  }

  /** The entry, moved to the recent end. */
  use(key: string): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined || key === this.#newest) return entry?.value;
    this.#map.delete(key);
    this.#map.set(key, entry);
    this.#newest = key;
    return entry.value;
  }

  /** Stores `value`, evicting the least recently used until it fits; one heavier than the whole budget is not stored. */
  set(key: string, value: V, weight: number): void {
    this.delete(key);
    if (weight > this.budget) return;
    for (const old of this.#map.keys()) {
      if (this.#total + weight <= this.budget) break;
      this.delete(old);
    }
    this.#map.set(key, { value, weight });
    this.#total += weight;
    this.#newest = key;
  }

  delete(key: string): void {
    const entry = this.#map.get(key);
    if (entry === undefined) return;
    this.#map.delete(key);
    this.#total -= entry.weight;
    if (key === this.#newest) this.#newest = undefined;
  }

  /** Deletes every key `drop` says to. */
  deleteWhere(drop: (key: string) => boolean): void {
    for (const key of this.#map.keys()) if (drop(key)) this.delete(key);
  }

  clear(): void {
    this.#map.clear();
    this.#total = 0;
    this.#newest = undefined;
  }
}

/**
 * Whether the source is in an outage, logged once when one starts (`warn`) and once when the
 * source answers again (`info`), never once per request.
 */
export class OutageLog {
  #since: number | undefined;
  constructor(private readonly logger: Logger | undefined) {}

  /** Runs one call to the source: a failure becomes an FsError naming `path`, and the log follows whether the source answered. */
  async ask<T>(path: string, call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (err) {
      const error = toFsError(err, path);
      if (!isOutage(error)) this.answered();
      else if (this.#since === undefined) {
        this.#since = Date.now();
        this.logger?.warn(`CacheFS: the source is failing (${error.message}); serving what the cache holds, stale, until it answers again`);
      }
      throw error;
    }
    this.answered();
    return result;
  }

  answered(): void {
    if (this.#since === undefined) return;
    const seconds = ((Date.now() - this.#since) / 1000).toFixed(1);
    this.#since = undefined;
    this.logger?.info(`CacheFS: the source answers again after ${seconds} s of failures`);
  }
}

/** One call per key at a time: concurrent requests for a path join the call under way (no stampede). */
export class Flights<T> {
  readonly #calls = new Map<string, Promise<T>>();

  run<R extends T>(key: string, call: () => Promise<R>): Promise<R> {
    let flight = this.#calls.get(key) as Promise<R> | undefined;
    if (flight === undefined) {
      flight = call().finally(() => {
        if (this.#calls.get(key) === flight) this.#calls.delete(key);
      });
      this.#calls.set(key, flight);
    }
    return flight;
  }

  /** Later requests start new calls; the calls under way still answer those that joined them. */
  clear(): void {
    this.#calls.clear();
  }
}
