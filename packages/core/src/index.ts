/**
 * `@hotfs/core`: the {@link FileSystem} interface, its helpers and the backends.
 * @packageDocumentation
 */
export type { File, FileInfo, FileSystem } from './types.js';
export { FsError, isFsError, toFsError, type FsErrorCode } from './errors.js';
export { cleanPath, baseName, dirName, joinPath, compareNames } from './path.js';
export { tryOpen, tryStat, readAll, readRange, readFile, release } from './helpers.js';
export { DiskFS, checkSymlinkPolicy, resolveRoot, infoFromStats, SYNC_READ_LIMIT, type DiskFSOptions, type SymlinkPolicy } from './disk.js';
export { MemFS, type ChangeEvent, type ChangeType, type MemFSOptions, type MemFSLogger } from './mem.js';
export type { Logger } from './logger.js';
export { DirectoryFile } from './directory.js';
