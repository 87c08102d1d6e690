import type { ChangeType } from '../capabilities/change-feed.js';
import type { ResolvedOptions } from '../mem-options.js';
import type { File, FileSystem } from '../types.js';
import type { DiskView } from './disk-view.js';
import type { SyncQueue } from './queue.js';
import type { MirrorEntry, MirrorStore } from './store.js';

/** What a MemFS gives the engine that fills its store. */
export interface MirrorHost {
  store: MirrorStore;
  options: ResolvedOptions;
  /** Runs the engine's syncs one at a time (it calls {@link MirrorSource.sync}). */
  queue: SyncQueue;
  /** Memory budget: whether a file of `size` bytes may be held, given what `path` holds now. */
  fits(path: string, size: number): boolean;
  /** A path changed in the store: the change feed, encodings and the budget follow. */
  changed(type: ChangeType, path: string): void;
  /** Runs a file read when one of a bounded number of slots is free. */
  readSlot<T>(read: () => Promise<T>): Promise<T>;
}

/**
 * Where a MemFS mirror's content comes from, and how it is kept fresh: a host directory (watched
 * one directory at a time, dir-source.ts) or any FileSystem (followed by its change feed or a periodic walk,
 * source-sync.ts). MemFS itself only holds the store and answers from it.
 */
export interface MirrorSource {
  /** What {@link MemFS.root} shows: the directory's real path, or a label for a FileSystem. */
  readonly label: string;
  /** Brings `path` (and with `deep`, its subtree) in line with the source. Never rejects. */
  sync(path: string, deep: boolean): Promise<void>;
  /** The first full sync; rejects with what made it impossible. */
  load(): Promise<void>;
  /** Starts following changes (option `watch`); resolves once that is live, never rejects. */
  follow(): Promise<void>;
  /** Plans the next periodic reconcile. */
  scheduleReconcile(): void;
  /** The directory at `path` left the mirror. */
  directoryGone(path: string): void;
  /** Opens a file whose content stays in the source (over the memory budget), without a promise. */
  openOver(clean: string, entry: MirrorEntry): File | undefined;
  /** What answers while the first load runs (`serveWhileLoading`); `owner` lists directories. */
  loadingView(owner: Pick<FileSystem, 'readdir'>): DiskView;
  /** Stops following: no new sync starts from here on. */
  stop(): Promise<void>;
  /** Releases what the engine itself opened, once no sync runs any more. */
  close(): Promise<void>;
}
