import { checkSymlinkPolicy, type SymlinkPolicy } from './disk.js';
import type { Logger } from './logger.js';
import { CONTENT_CODINGS, type ContentCoding } from './capabilities/encodings.js';
import { hasTryOpenSync } from './capabilities/try-open-sync.js';
import type { FileSystem } from './types.js';

/** Where MemFS reports: a summary after loading, each applied change when verbose, every watcher error. */
export type MemFSLogger = Logger;

/** Options of {@link MemFS.mirror}. */
export interface MemFSOptions {
  /** Which symbolic links to follow, as for DiskFS; default `'inside'`. A directory source only. */
  symlinks?: SymlinkPolicy;
  /**
   * Paths to leave out, tested against the hotfs path (`/node_modules`, `/docs/.cache/x`). A RegExp or a
   * predicate; glob strings are refused (taken as text, they would silently ignore nothing).
   */
  ignore?: RegExp | ((path: string) => boolean);
  /** Files larger than this many bytes stay on disk (metadata is still mirrored); default no limit. */
  maxFileSize?: number;
  /** Total bytes of content held in memory; files past the budget stay on disk. Default no limit. */
  maxBytes?: number;
  /** Milliseconds between reconcile walks that heal missed events; 0 disables. Default 15000. */
  reconcileIntervalMs?: number;
  /** Milliseconds after a path's last event to look at it again (a writer may still be at work when its event arrives); default 100. A directory source only. */
  settleMs?: number;
  /**
   * Watch for changes (default true): a directory with a file watcher, a FileSystem through its change
   * feed where it has one. Without it only `rescan()` and the reconcile update the mirror.
   */
  watch?: boolean;
  /** Default: warnings and errors to the console, info dropped. */
  logger?: MemFSLogger;
  /** Log one line per applied change. */
  verbose?: boolean;
  /**
   * Called during the initial mirror, at most every 100 ms and once when it is done, with what is
   * held so far (for a progress display on large trees).
   */
  progress?: (loaded: { files: number; directories: number; bytes: number }) => void;
  /**
   * Resolve {@link MemFS.mirror} as soon as the watcher is live (default false: once every file is
   * held). Until the first walk is done, every answer comes from the disk, exactly as DiskFS gives
   * it (ignored paths still hidden); {@link MemFS.mirrored} tells when memory takes over. The change
   * feed starts then too.
   */
  serveWhileLoading?: boolean;
  /**
   * Compute encoded representations (br, zstd, gzip) of each file version held in memory whose type
   * compresses (text, JS, CSS, JSON, SVG, XML, wasm, …) and whose size is at least `minSize`, in the
   * background; an opened file offers them as `encodings()`. Default false. `true` is
   * `{ codings: ['br', 'zstd', 'gzip'], minSize: 1024 }`; zstd only where this Node's zlib has it.
   * See {@link MemFSCompressOptions}.
   */
  compress?: boolean | MemFSCompressOptions;
  /**
   * Hold file content and encodings in `SharedArrayBuffer`s (default false), so that worker threads
   * can serve them without a copy: a {@link MirrorPublisher} posts views of them to each
   * {@link ReplicaFS}. Each version gets its own buffer, freed once no thread holds a view of it.
   */
  shared?: boolean;
}

/** The `compress` option of {@link MemFS.mirror} as an object: which encodings to compute, from what size. */
export interface MemFSCompressOptions {
  /**
   * The codings to compute, any of `'br'`, `'zstd'`, `'gzip'` (default all three). A coding this
   * Node's zlib lacks (zstd before Node 22.15) is left out with a warning.
   */
  codings?: readonly ContentCoding[];
  /** Smaller files are served as they are: a few hundred bytes saved are not worth a variant. Default 1024. */
  minSize?: number;
  /**
   * Brotli quality (0-11) for every file. Default by size: 11 up to 64 KiB, 10 up to 1 MiB, 5 beyond
   * (q11 compresses about 0.5 MB/s per core, q10 about 1.2, q5 about 20). Lower it for a dev server
   * on a large tree, raise it for a few large bundles served for long.
   */
  brotliQuality?: number;
}

/** What MemFS computes when `compress` is on. */
export interface CompressPlan {
  /** The codings asked for, best first (the runtime may lack some). */
  codings: readonly ContentCoding[];
  /** True when the caller listed them (rather than taking whatever this Node has). */
  named: boolean;
  minSize: number;
  /** Undefined: chosen by size. */
  brotliQuality: number | undefined;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  symlinks: SymlinkPolicy;
  ignore: (path: string) => boolean;
  maxFileSize: number;
  maxBytes: number;
  reconcileIntervalMs: number;
  settleMs: number;
  watch: boolean;
  logger: MemFSLogger;
  verbose: boolean;
  progress: ((loaded: { files: number; directories: number; bytes: number }) => void) | undefined;
  serveWhileLoading: boolean;
  compress: CompressPlan | undefined;
  shared: boolean;
}

/** Warnings and errors to the console; the load summary and per-change lines are dropped. */
const silentInfoLogger: MemFSLogger = {
  info: () => {},
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

const known = new Set([
  'symlinks',
  'ignore',
  'maxFileSize',
  'maxBytes',
  'reconcileIntervalMs',
  'settleMs',
  'watch',
  'logger',
  'verbose',
  'progress',
  'serveWhileLoading',
  'compress',
  'shared',
]);

/** Validates options, throwing a TypeError that names the offending option. */
export function checkOptions(options: MemFSOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`MemFS options must be an object; got ${String(options)}`);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`unknown MemFS option '${key}'`);
  return {
    symlinks: checkSymlinkPolicy(options.symlinks),
    ignore: checkIgnore(options.ignore),
    maxFileSize: checkLimit(options.maxFileSize, 'maxFileSize', Infinity),
    maxBytes: checkLimit(options.maxBytes, 'maxBytes', Infinity),
    reconcileIntervalMs: checkLimit(options.reconcileIntervalMs, 'reconcileIntervalMs', 15_000),
    settleMs: checkLimit(options.settleMs, 'settleMs', 100),
    watch: checkBoolean(options.watch, 'watch', true),
    logger: checkLogger(options.logger),
    verbose: checkBoolean(options.verbose, 'verbose', false),
    progress: checkProgress(options.progress),
    serveWhileLoading: checkBoolean(options.serveWhileLoading, 'serveWhileLoading', false),
    compress: checkCompress(options.compress),
    shared: checkBoolean(options.shared, 'shared', false),
  };
}

function checkCompress(compress: MemFSOptions['compress']): CompressPlan | undefined {
  if (compress === undefined || compress === false) return undefined;
  if (compress === true) return { codings: CONTENT_CODINGS, named: false, minSize: 1024, brotliQuality: undefined };
  if (compress === null || typeof compress !== 'object' || Array.isArray(compress)) {
    throw new TypeError(`option 'compress' must be a boolean or { codings?, minSize?, brotliQuality? }; got ${JSON.stringify(compress)}`);
  }
  for (const key of Object.keys(compress)) if (!['codings', 'minSize', 'brotliQuality'].includes(key)) throw new TypeError(`unknown option 'compress.${key}'`);
  const { brotliQuality } = compress;
  if (brotliQuality !== undefined && !(Number.isInteger(brotliQuality) && brotliQuality >= 0 && brotliQuality <= 11)) {
    throw new TypeError(`option 'compress.brotliQuality' must be an integer from 0 to 11; got ${JSON.stringify(brotliQuality)}`);
  }
  const codings: readonly unknown[] | undefined = Array.isArray(compress.codings) ? (compress.codings as readonly unknown[]) : undefined;
  const known: readonly unknown[] = CONTENT_CODINGS;
  if (compress.codings !== undefined && (codings === undefined || codings.length === 0 || codings.some((c) => !known.includes(c)))) {
    throw new TypeError(`option 'compress.codings' must be a non-empty array of 'br', 'zstd', 'gzip'; got ${JSON.stringify(compress.codings)}`);
  }
  return {
    // Best first, each once, whatever order they were given in.
    codings: codings === undefined ? CONTENT_CODINGS : CONTENT_CODINGS.filter((c) => codings.includes(c)),
    named: codings !== undefined,
    minSize: checkLimit(compress.minSize, 'compress.minSize', 1024),
    brotliQuality,
  };
}

function checkIgnore(ignore: MemFSOptions['ignore']): (path: string) => boolean {
  if (ignore === undefined) return () => false;
  if (ignore instanceof RegExp) {
    // A global or sticky RegExp keeps lastIndex between tests and would skip matches.
    const re = new RegExp(ignore.source, ignore.flags.replace(/[gy]/g, ''));
    return (path) => re.test(path);
  }
  if (typeof ignore === 'function') return ignore;
  throw new TypeError(`option 'ignore' must be a RegExp or a function (glob strings are not supported); got ${JSON.stringify(ignore)}`);
}

function checkLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new TypeError(`option '${name}' must be a number >= 0; got ${JSON.stringify(value)}`);
  return value;
}

function checkBoolean(value: boolean | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`option '${name}' must be a boolean; got ${JSON.stringify(value)}`);
  return value;
}

function checkLogger(logger: MemFSLogger | undefined): MemFSLogger {
  if (logger === undefined) return silentInfoLogger;
  for (const method of ['info', 'warn', 'error'] as const) {
    if (typeof logger?.[method] !== 'function') throw new TypeError(`option 'logger' must have info, warn and error methods (console works)`);
  }
  return logger;
}

function checkProgress(progress: MemFSOptions['progress']): ResolvedOptions['progress'] {
  if (progress === undefined || typeof progress === 'function') return progress;
  throw new TypeError(`option 'progress' must be a function; got ${JSON.stringify(progress)}`);
}

/** Options that describe a host directory have no meaning for a FileSystem source: refused, by name. */
export function checkSource(source: FileSystem, options: MemFSOptions): void {
  const fs = source as Partial<FileSystem> | null;
  if (fs === null || typeof fs !== 'object' || typeof fs.open !== 'function' || typeof fs.stat !== 'function' || typeof fs.readdir !== 'function') {
    throw new TypeError(`MemFS.mirror source must be a directory path or a FileSystem; got ${fs === null ? 'null' : typeof fs}`);
  }
  // The source applies its own link policy: the mirror never sees a link.
  if (options.symlinks !== undefined) throw new TypeError("option 'symlinks' applies to a directory source only: a FileSystem source applies its own links");
  // A change feed announces a change once it is visible, so there is nothing to settle.
  if (options.settleMs !== undefined) throw new TypeError("option 'settleMs' applies to a directory source only (it paces the second look after a watcher event)");
  if (options.serveWhileLoading === true && !hasTryOpenSync(source)) {
    throw new TypeError("option 'serveWhileLoading' needs a source that opens without a promise (tryOpenSync), as MemFS answers without one");
  }
}
