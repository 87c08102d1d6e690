/**
 * Building the FileSystem the `hotfs` command serves, and checking its options without opening it.
 * @module
 */
import { statSync } from 'node:fs';
import { CacheFS, DiskFS, MemFS, OverlayFS, ZipFS, type CacheFSOptions, type DiskFSOptions, type FileSystem, type Logger, type MemFSOptions } from '@hotfs/core';
import type { S3Location } from './cli-values.js';
import { owning } from './owning.js';

/**
 * Which backend the command serves from: `mem` a mirror in memory, `cache` a bounded read-through
 * cache (CacheFS), `direct` the source itself (DiskFS for a directory, S3FS for s3://), and `disk`
 * the same as `direct` for a directory (no s3:// path has a disk).
 */
export type BackendKind = 'mem' | 'disk' | 'cache' | 'direct';

/** What `--path` names: a directory or .zip archive (a host path), or an s3:// location. */
export type Root = string | S3Location;

/** The cache backend's defaults: what it holds, and how long an answer is trusted (as long as mem's reconcile). */
export const CACHE_DEFAULTS = { maxBytes: 256 * 1024 * 1024, maxAge: 15_000 } as const;

/** Backend settings from the command line: DiskFS's and MemFS's own options, plus what the command adds. */
export interface BackendOptions {
  /** Both: which symbolic links to follow. */
  symlinks?: DiskFSOptions['symlinks'];
  /** DiskFS only: how the OS is called. */
  io?: DiskFSOptions['io'];
  /** MemFS only: paths to leave out (besides dotfiles, see `dotfiles`). */
  ignore?: RegExp;
  maxFileSize?: number;
  maxBytes?: number;
  settleMs?: number;
  reconcileIntervalMs?: number;
  watch?: boolean;
  /** MemFS only: start serving before the mirror is complete (answers come from the disk until then). */
  serveWhileLoading?: boolean;
  /** MemFS only: compute br, zstd and gzip encodings of compressible files in the background. */
  compress?: boolean;
  /** MemFS only: hold content in shared memory, for worker threads. */
  shared?: boolean;
  /** The handler's dotfile policy: unless `'allow'`, MemFS does not load what will never be served. */
  dotfiles?: 'ignore' | 'allow' | 'deny';
  /** MemFS: where its messages go. */
  logger?: Logger;
  /** MemFS: one line per applied change. */
  verbose?: boolean;
  /** MemFS: called during the initial mirror with what is loaded so far. */
  progress?: MemFSOptions['progress'];
  /** Cache backend: how long, in ms, an answer is trusted before the source is asked again. */
  cacheMaxAge?: number;
  /** s3:// paths: the S3-compatible endpoint (else the SDK's environment). */
  s3Endpoint?: string;
}

// Dotfiles the handler will never serve (.git, .cache…) are not worth their memory.
const DOTFILE = /(^|\/)\./;

function diskOptions(o: BackendOptions): DiskFSOptions {
  return { ...(o.symlinks === undefined ? {} : { symlinks: o.symlinks }), ...(o.io === undefined ? {} : { io: o.io }) };
}

function memOptions(o: BackendOptions): MemFSOptions {
  const { dotfiles, io: _io, ignore, cacheMaxAge: _age, s3Endpoint: _endpoint, ...rest } = o;
  const skipDotfiles = dotfiles !== 'allow';
  const ignored = ignore && skipDotfiles ? (path: string) => DOTFILE.test(path) || ignore.test(path) : (ignore ?? (skipDotfiles ? DOTFILE : undefined));
  const options: MemFSOptions = { verbose: false, ...rest, ...(ignored === undefined ? {} : { ignore: ignored }) };
  for (const key of Object.keys(options) as (keyof MemFSOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

function cacheOptions(o: BackendOptions): CacheFSOptions {
  const { maxBytes = CACHE_DEFAULTS.maxBytes, maxFileSize, cacheMaxAge = CACHE_DEFAULTS.maxAge, logger } = o;
  return { maxBytes, maxAge: cacheMaxAge, ...(maxFileSize === undefined ? {} : { maxFileSize }), ...(logger === undefined ? {} : { logger }) };
}

/**
 * Runs the chosen backend's own option checks on `options`, opening nothing.
 * @throws TypeError naming the backend option that is wrong.
 */
export function checkBackendOptions(kind: BackendKind, options: BackendOptions): void {
  if (kind === 'mem') return MemFS.checkOptions(memOptions(options));
  DiskFS.checkOptions(diskOptions(options));
  if (kind === 'cache') CacheFS.checkOptions(cacheOptions(options));
}

/**
 * Opens `root` with the chosen backend.
 * @throws Error when the backend cannot start (missing root, bad option).
 */
async function openBackend(kind: BackendKind, root: string, options: BackendOptions = {}): Promise<FileSystem> {
  switch (kind) {
    case 'disk':
    case 'direct':
      return new DiskFS(root, diskOptions(options));
    case 'cache': {
      const disk = new DiskFS(root, diskOptions(options));
      return owning(new CacheFS(disk, cacheOptions(options)), disk);
    }
    case 'mem':
      return MemFS.mirror(root, memOptions(options));
    default:
      throw new TypeError(`unknown backend ${JSON.stringify(kind)}`);
  }
}

/** Whether `path` names a .zip archive (a directory called `x.zip` is a directory). */
function isZip(path: string): boolean {
  return /\.zip$/i.test(path) && statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

async function openLayer(kind: BackendKind, root: Root, options: BackendOptions): Promise<FileSystem> {
  if (typeof root !== 'string') {
    // Only here: the AWS SDK is not loaded (nor its notices printed) to serve a directory.
    if (kind === 'disk') throw new TypeError('an s3:// path has no disk backend: use direct');
    const { openS3 } = await import('./backend-s3.js');
    return openS3(kind, root, { mem: memOptions(options), cache: cacheOptions(options), logger: options.logger, endpoint: options.s3Endpoint });
  }
  return isZip(root) ? ZipFS.open(root, options.logger ? { logger: options.logger } : {}) : openBackend(kind, root, options);
}

/**
 * Opens what the command serves: each of `roots` (a directory with the chosen backend, a .zip
 * archive with ZipFS, an s3:// location with the chosen backend over S3FS), and more than one as
 * an {@link OverlayFS}, the first upper-most. The command owns every layer it opened: closing the
 * result closes them all.
 * @throws Error when one cannot be opened (the ones already open are closed first).
 */
export async function openServed(kind: BackendKind, roots: readonly Root[], options: BackendOptions = {}): Promise<FileSystem> {
  const layers: FileSystem[] = [];
  try {
    for (const root of roots) layers.push(await openLayer(kind, root, options));
  } catch (err) {
    await Promise.all(layers.map((layer) => layer.close().catch(() => {})));
    throw err;
  }
  if (layers.length === 1) return layers[0]!;
  // An OverlayFS leaves its layers open for their other users; here there are none.
  return owning(new OverlayFS(layers), ...layers);
}
