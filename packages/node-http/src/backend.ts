/**
 * Building the FileSystem the `hotfs` command serves, and checking its options without opening it.
 * @module
 */
import { statSync } from 'node:fs';
import { DiskFS, MemFS, OverlayFS, ZipFS, type DiskFSOptions, type FileSystem, type Logger, type MemFSOptions } from '@hotfs/core';

/** Which backend the command serves from. */
export type BackendKind = 'mem' | 'disk';

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
}

// Dotfiles the handler will never serve (.git, .cache…) are not worth their memory.
const DOTFILE = /(^|\/)\./;

function diskOptions(o: BackendOptions): DiskFSOptions {
  return { ...(o.symlinks === undefined ? {} : { symlinks: o.symlinks }), ...(o.io === undefined ? {} : { io: o.io }) };
}

function memOptions(o: BackendOptions): MemFSOptions {
  const { dotfiles, io: _io, ignore, ...rest } = o;
  const skipDotfiles = dotfiles !== 'allow';
  const ignored = ignore && skipDotfiles ? (path: string) => DOTFILE.test(path) || ignore.test(path) : (ignore ?? (skipDotfiles ? DOTFILE : undefined));
  const options: MemFSOptions = { verbose: false, ...rest, ...(ignored === undefined ? {} : { ignore: ignored }) };
  for (const key of Object.keys(options) as (keyof MemFSOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

/**
 * Runs the chosen backend's own option checks on `options`, opening nothing.
 * @throws TypeError naming the backend option that is wrong.
 */
export function checkBackendOptions(kind: BackendKind, options: BackendOptions): void {
  if (kind === 'disk') DiskFS.checkOptions(diskOptions(options));
  else MemFS.checkOptions(memOptions(options));
}

/**
 * Opens `root` with the chosen backend.
 * @throws Error when the backend cannot start (missing root, bad option).
 */
async function openBackend(kind: BackendKind, root: string, options: BackendOptions = {}): Promise<FileSystem> {
  switch (kind) {
    case 'disk':
      return new DiskFS(root, diskOptions(options));
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

/**
 * Opens what the command serves: each of `roots` (a directory with the chosen backend, a .zip
 * archive with ZipFS), and more than one as an {@link OverlayFS}, the first upper-most. The
 * command owns every layer it opened: closing the result closes them all.
 * @throws Error when one cannot be opened (the ones already open are closed first).
 */
export async function openServed(kind: BackendKind, roots: readonly string[], options: BackendOptions = {}): Promise<FileSystem> {
  const layers: FileSystem[] = [];
  try {
    for (const root of roots) layers.push(isZip(root) ? await ZipFS.open(root, options.logger ? { logger: options.logger } : {}) : await openBackend(kind, root, options));
  } catch (err) {
    await Promise.all(layers.map((layer) => layer.close().catch(() => {})));
    throw err;
  }
  if (layers.length === 1) return layers[0]!;
  const overlay = new OverlayFS(layers);
  // An OverlayFS leaves its layers open for their other users; here there are none.
  const closeView = overlay.close.bind(overlay);
  overlay.close = async () => {
    await closeView();
    await Promise.all(layers.map((layer) => layer.close()));
  };
  return overlay;
}
