/**
 * `@hotfs/core`: the {@link FileSystem} interface, its optional capabilities with their guards and
 * helpers, and the backends.
 * @packageDocumentation
 */
export type { File, FileInfo, FileSystem } from './types.js';
export { FsError, isFsError, type FsErrorCode } from './errors.js';
export { cleanPath, baseName, dirName, joinPath, compareNames } from './path.js';
export { hasBytes, readAll, readRange, readFile, type BytesFile } from './capabilities/bytes.js';
export { hasStatSync, type StatSyncFile } from './capabilities/stat-sync.js';
export { hasCloseSync, release, type CloseSyncFile } from './capabilities/close-sync.js';
export { hasTryOpen, tryOpen, type TryOpenFS } from './capabilities/try-open.js';
export { hasTryStat, tryStat, type TryStatFS } from './capabilities/try-stat.js';
export { hasTryOpenSync, type TryOpenSyncFS } from './capabilities/try-open-sync.js';
export { hasWalk, walk, type WalkEntry, type WalkFS } from './capabilities/walk.js';
export { CONTENT_CODINGS, hasEncodings, type ContentCoding, type EncodedBytes, type EncodingsFile } from './capabilities/encodings.js';
export { DiskFS, SYNC_READ_LIMIT, type DiskFSOptions, type SymlinkPolicy } from './disk.js';
export { hasChangeFeed, type ChangeEvent, type ChangeFeedFS, type ChangeListener, type ChangeType } from './capabilities/change-feed.js';
export { MemFS, type MemFSOptions, type MemFSCompressOptions, type MemFSLogger } from './mem.js';
export type { Logger } from './logger.js';
export { MapFS, type MapFSEntries, type MapFSEntry, type MapFSValue } from './map.js';
export { VolumeFS, type VolumeFSOptions } from './volume-fs.js';
export { SubFS } from './sub.js';
export { OverlayFS } from './overlay.js';
export { CacheFS } from './cache.js';
export type { CacheFSOptions, ResolvedCacheOptions } from './cache-parts.js';
export { ZipFS, type ZipFSOptions } from './zip.js';
export { MirrorPublisher } from './replica/publisher.js';
export { ReplicaFS } from './replica/replica.js';
export type { ReplicaEntry, ReplicaMessage } from './replica/messages.js';
