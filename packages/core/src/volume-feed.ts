import type { Volume } from 'memfs';
import type { ChangeEvent, ChangeListener, ChangeType } from './capabilities/change-feed.js';
import { dirName, joinPath } from './path.js';
import type { FileInfo } from './types.js';

/** What the feed needs of the VolumeFS it serves: its view, after the symlink policy. */
export interface FeedView {
  /** Info of a hotfs path as served; undefined when missing or hidden. */
  infoOf(path: string): FileInfo | undefined;
  /** Names listed in a served directory. */
  namesOf(path: string): string[];
  /** Whether the path itself is a symbolic link (one the view follows or hides). */
  isLink(path: string): boolean;
}

/**
 * The change feed of a VolumeFS. memfs 4.80.1's `watch` with `recursive: true` works, but it calls
 * back in the middle of an operation (a delete is reported before the entry is gone, a new file
 * before its content is written) and only says 'rename' or 'change'. So hints are collected and
 * settled in a microtask, once memfs is done, by comparing what the view shows now with the paths
 * the feed knew. Knowing them costs a walk of the tree when the first listener arrives and a Map
 * entry per path while anyone listens; nothing when nobody does.
 */
export class VolumeFeed {
  readonly #listeners = new Set<ChangeListener>();
  /** Every served path while watching, to whether it is a directory. */
  readonly #known = new Map<string, boolean>();
  readonly #pending = new Set<string>();
  /** Paths announced as added by the flush in progress: their own hints need no `change` on top. */
  readonly #added = new Set<string>();
  #watcher: { close(): void } | undefined;
  #scheduled = false;

  constructor(
    private readonly vol: Volume,
    private readonly root: string,
    private readonly view: FeedView,
  ) {}

  watch(listener: ChangeListener): () => void {
    if (typeof listener !== 'function') throw new TypeError(`VolumeFS watch listener must be a function; got ${String(listener)}`);
    const own: ChangeListener = (event) => listener(event);
    if (this.#listeners.size === 0) this.#start();
    this.#listeners.add(own);
    return () => {
      if (this.#listeners.delete(own) && this.#listeners.size === 0) this.stop();
    };
  }

  /** Stops watching the Volume and forgets every path and listener. */
  stop(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#listeners.clear();
    this.#known.clear();
    this.#pending.clear();
  }

  #start(): void {
    // The Volume's root always exists, where `root` may come and go: watch it all and keep what is under `root`.
    this.#watcher = this.vol.watch('/', { recursive: true, persistent: false }, (_type, filename) => this.#hint(String(filename)));
    const info = this.view.infoOf('/');
    if (info?.isDirectory) this.#appear('/', true, false);
  }

  #hint(filename: string): void {
    const host = '/' + filename;
    const root = this.root;
    let path: string;
    if (root === '/') path = host;
    else if (host === root) path = '/';
    else if (host.startsWith(root + '/')) path = host.slice(root.length);
    else return;
    this.#pending.add(path);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    for (const path of this.#pending) {
      this.#pending.delete(path);
      if (this.#listeners.size === 0) return;
      this.#sync(path);
    }
    this.#added.clear();
  }

  #sync(path: string): void {
    const was = this.#known.get(path);
    const is = this.view.infoOf(path)?.isDirectory;
    if (was !== undefined && was !== is) this.#vanish(path, was);
    if (is !== undefined && was !== is) this.#appear(path, is, true);
    else if (is === false && was === false && !this.#added.has(path)) this.#emit('change', path);
  }

  /** Learns `path` (and, for a directory, everything below it), announcing each new path when `announce`. */
  #appear(path: string, isDirectory: boolean, announce: boolean): void {
    if (path !== '/' && this.#known.get(dirName(path)) !== true) {
      if (this.view.infoOf(dirName(path))?.isDirectory !== true) return;
      this.#appear(dirName(path), true, announce);
      if (this.#known.has(path)) return;
    }
    this.#known.set(path, isDirectory);
    if (announce && path !== '/') {
      this.#added.add(path);
      this.#emit(isDirectory ? 'addDir' : 'add', path);
    }
    // memfs reports changes at real paths only; a walk through a link would learn paths no event
    // names, and a link to an ancestor (`self -> .`) would never end.
    if (!isDirectory || (path !== '/' && this.view.isLink(path))) return;
    for (const name of this.view.namesOf(path)) {
      const child = joinPath(path, name);
      if (this.#known.has(child)) continue;
      const info = this.view.infoOf(child);
      if (info) this.#appear(child, info.isDirectory, announce);
    }
  }

  #vanish(path: string, wasDirectory: boolean): void {
    if (path === '/') {
      for (const [child, isDirectory] of [...this.#known]) if (child !== '/' && dirName(child) === '/') this.#vanish(child, isDirectory);
      this.#known.delete('/');
      return;
    }
    this.#known.delete(path);
    if (wasDirectory) {
      const prefix = path + '/';
      for (const key of this.#known.keys()) if (key.startsWith(prefix)) this.#known.delete(key);
    }
    this.#emit(wasDirectory ? 'unlinkDir' : 'unlink', path);
  }

  #emit(type: ChangeType, path: string): void {
    const event: ChangeEvent = { type, path };
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        console.error(`hotfs: a VolumeFS change listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}
