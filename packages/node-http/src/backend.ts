/**
 * Building the FileSystem the `hotfs` command serves.
 * @module
 */
import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';

/** Which backend the command serves from. */
export type BackendKind = 'mem' | 'disk';

/** Backend settings from the command line. */
export interface BackendOptions {
  /** Log backend events (MemFS: files loaded, changes seen). */
  verbose?: boolean;
  /** Where backend messages go. */
  logger?: (line: string) => void;
  /** Dotfile policy, for backends that can skip loading hidden files. */
  dotfiles?: 'ignore' | 'allow' | 'deny';
  /** MemFS: the largest single file to hold in memory, in bytes. */
  maxFileSize?: number;
  /** MemFS: the most content to hold in memory in total, in bytes. */
  maxBytes?: number;
  /** MemFS: called during the initial mirror with what is loaded so far. */
  progress?: (loaded: { files: number; directories: number; bytes: number }) => void;
}

/**
 * Opens `root` with the chosen backend.
 * @throws Error when the backend cannot start (missing root, backend not available).
 */
export async function openBackend(kind: BackendKind, root: string, options: BackendOptions = {}): Promise<FileSystem> {
  switch (kind) {
    case 'disk':
      return new DiskFS(root);
    case 'mem': {
      const log = options.logger ?? ((line: string) => console.error(line));
      return MemFS.mirror(root, {
        logger: { info: log, warn: log, error: log },
        verbose: options.verbose ?? false,
        // Dotfiles the handler will never serve (.git, .cache…) are not worth their memory.
        ...(options.dotfiles === 'allow' ? {} : { ignore: /(^|\/)\./ }),
        ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        ...(options.progress !== undefined ? { progress: options.progress } : {}),
      });
    }
    default:
      throw new TypeError(`unknown backend ${JSON.stringify(kind)}`);
  }
}
