import { checkSymlinkPolicy, type SymlinkPolicy } from './disk.js';
import type { Logger } from './logger.js';

/** Where MemFS reports: a summary after loading, each applied change when verbose, every watcher error. */
export type MemFSLogger = Logger;

/** Options of {@link MemFS.mirror}. */
export interface MemFSOptions {
  /** Which symbolic links to follow, as for DiskFS; default `'inside'`. */
  symlinks?: SymlinkPolicy;
  /**
   * Paths to leave out, tested against the hotfs path (`/node_modules`, `/docs/.cache/x`). A RegExp or a
   * predicate; glob strings are refused (chokidar 4+ would silently ignore nothing with them).
   */
  ignore?: RegExp | ((path: string) => boolean);
  /** Files larger than this many bytes stay on disk (metadata is still mirrored); default no limit. */
  maxFileSize?: number;
  /** Total bytes of content held in memory; files past the budget stay on disk. Default no limit. */
  maxBytes?: number;
  /** Milliseconds between reconcile walks that heal missed events; 0 disables. Default 15000. */
  reconcileIntervalMs?: number;
  /** Milliseconds after a path's last event to look at it again (chokidar drops fast repeats); default 100. */
  settleMs?: number;
  /** Watch for changes (default true). Without it only `rescan()` and the reconcile update the mirror. */
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
}

/** Warnings and errors to the console; the load summary and per-change lines are dropped. */
const silentInfoLogger: MemFSLogger = {
  info: () => {},
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

const known = new Set(['symlinks', 'ignore', 'maxFileSize', 'maxBytes', 'reconcileIntervalMs', 'settleMs', 'watch', 'logger', 'verbose', 'progress', 'serveWhileLoading']);

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
