import type { EncodedBytes } from '../capabilities/encodings.js';
import type { ChangeEvent } from '../capabilities/change-feed.js';
import type { SymlinkPolicy } from '../disk.js';
import type { FileInfo } from '../types.js';

/**
 * The state of one path of a mirror, as a {@link MirrorPublisher} posts it. Byte arrays are views of
 * SharedArrayBuffers (a mirror with `shared: true`): posting one shares the memory, never copies it.
 */
export interface ReplicaEntry {
  readonly path: string;
  /** Undefined: the path is gone (and, for a directory, everything below it). */
  readonly info?: FileInfo;
  /** The content of a version held in memory. */
  readonly bytes?: Uint8Array;
  /** Its encodings ready now, best first; absent when the mirror computes none. */
  readonly encodings?: readonly EncodedBytes[];
  /** The content stays on disk (over the memory budget, or unreadable): the replica opens it there. */
  readonly onDisk?: boolean;
  /** The error code opening this directory (and anything below it) answers with: it cannot be listed. */
  readonly error?: string;
}

/** What a publisher posts to a replica: one snapshot first, then one update per change. */
export type ReplicaMessage =
  | { readonly kind: 'snapshot'; readonly root: string | undefined; readonly symlinks: SymlinkPolicy; readonly entries: readonly ReplicaEntry[] }
  | { readonly kind: 'update'; readonly event: ChangeEvent | undefined; readonly entries: readonly ReplicaEntry[] };
