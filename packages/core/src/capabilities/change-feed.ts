import type { FileSystem } from '../types.js';

/** What a {@link ChangeEvent} reports, named as chokidar names them. */
export type ChangeType = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** One change, announced after it is visible through the backend. */
export interface ChangeEvent {
  readonly type: ChangeType;
  /** Clean hotfs path of what changed. */
  readonly path: string;
}

/** Receives {@link ChangeEvent}s; it must not throw (a backend may log and drop what it throws). */
export type ChangeListener = (event: ChangeEvent) => void;

/**
 * A file system that announces its changes: the capability {@link ChangeFeedFS.watch}. An event is
 * delivered after the change is visible: a `stat` or `open` from inside the listener sees it. A
 * removed directory announces `unlinkDir` for itself and may announce its descendants too; a
 * consumer that keeps state per path drops the whole subtree on `unlinkDir`. Events are hints for
 * caches and live reload, not a transaction log: a wrapper may announce a change its own view hides
 * (an overlay whose lower layer changed under an upper file), never hide one its view shows.
 */
export interface ChangeFeedFS extends FileSystem {
  /**
   * Calls `listener` for every change from now on; returns the function that stops it. Stopping
   * twice is harmless; `close()` of the file system stops every listener.
   */
  watch(listener: ChangeListener): () => void;
}

/** Whether `fs` offers {@link ChangeFeedFS.watch}. */
export function hasChangeFeed(fs: FileSystem): fs is ChangeFeedFS {
  return typeof (fs as Partial<ChangeFeedFS>).watch === 'function';
}
