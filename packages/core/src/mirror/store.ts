import { CONTENT_CODINGS, type EncodedBytes } from '../capabilities/encodings.js';
import { baseName, compareNames, dirName, joinPath } from '../path.js';
import type { FileInfo } from '../types.js';
import { PathIndex } from './path-index.js';
import { ContentSlabs } from './slabs.js';

/**
 * One version of one mirrored path. Immutable: a change replaces the entry, so an open File keeps
 * the version it opened (info, size and bytes always agree).
 */
export interface MirrorEntry {
  /** Frozen; the SAME object for as long as this version lives, so callers may cache by identity. */
  readonly info: FileInfo;
  /** The content, exactly its size; absent for directories and on-disk files. Never written to. */
  readonly bytes?: Uint8Array;
  /** True when the file was over the memory budget: its content is served from disk. */
  readonly onDisk: boolean;
  /**
   * Real host path this version was read from. Left out (undefined) for a file found at its parent
   * directory's host path + '/' + its name, as nearly all are: a host path string per file costs as
   * much as its FileInfo. Use {@link MirrorStore.hostOf}. Directories always carry theirs.
   */
  readonly host: string | undefined;
  /** Identity of the host file (inode, size, mtime, ctime): unchanged stamp, unchanged content. */
  readonly stamp: string;
}

/** What a store operation did, for the change feed. */
import type { ChangeType } from '../capabilities/change-feed.js';
export type { ChangeType };

/**
 * The mirror's state: an index from clean hotfs path to the current entry, so a lookup is one
 * Map.get (most misses not even that) and a miss throws nothing, and the names held under each
 * directory. Nothing else: a second copy of the tree (a memfs Volume held every file as a node and
 * link of its own) cost about 450 bytes per file, more than the entries themselves.
 */
export class MirrorStore {
  readonly index = new PathIndex<MirrorEntry>();
  /** The names held under each mirrored directory. */
  readonly #children = new Map<string, Set<string>>();
  /** Bytes of file content held in memory. */
  bytesHeld = 0;
  /** Where files read in bulk get their memory. */
  readonly slabs = new ContentSlabs();
  /** Content and encodings live in SharedArrayBuffers (MemFS's `shared`): worker threads view them. */
  shared = false;
  /** Told each time an encoding of the current version of a path is kept. */
  onEncoding: ((path: string) => void) | undefined;
  /** Bytes of the current versions' encodings held in memory (MemFS's `compress`). */
  encodedBytes = 0;
  /**
   * The encodings of each version, by the version's own entry: a new version is a new entry, so it
   * never shows an older one's. A version with a record here has had its compression asked for.
   */
  readonly #encodings = new WeakMap<MirrorEntry, readonly EncodedBytes[]>();
  /** Bytes of encodings counted per path, oldest first: the first dropped when content needs the room. */
  readonly #encodedAt = new Map<string, number>();
  /**
   * Paths where a followed symbolic link sits, to the real host path it leads to. A change on disk
   * under that real path must also refresh the path seen through the link.
   */
  readonly links = new Map<string, string>();
  /** Directories that exist but cannot be listed, with the error code they and their subtree answer. */
  readonly unreadable = new Map<string, string>();

  /** The error a path answers with because an ancestor (or itself) cannot be read; usually none. */
  errorAt(path: string): string | undefined {
    if (this.unreadable.size === 0) return undefined;
    for (let p = path; ; p = dirName(p)) {
      const code = this.unreadable.get(p);
      if (code) return code;
      if (p === '/') return undefined;
    }
  }
  #listings = new Map<string, readonly FileInfo[]>();

  /** The hotfs paths a host path is seen at: directly under `root`, and through followed links. */
  visiblePaths(root: string, host: string): string[] {
    const paths: string[] = [];
    if (host === root) paths.push('/');
    else if (host.startsWith(root + '/')) paths.push(host.slice(root.length));
    for (const [path, real] of this.links) {
      if (host === real) paths.push(path);
      else if (host.startsWith(real + '/')) paths.push(path + host.slice(real.length));
    }
    return paths;
  }

  get(path: string): MirrorEntry | undefined {
    return this.index.get(path);
  }

  /** The real host path a mirrored path was read from. */
  hostOf(path: string): string | undefined {
    const entry = this.index.get(path);
    if (!entry || entry.host !== undefined || path === '/') return entry?.host;
    const parent = this.index.get(dirName(path))?.host;
    return parent === undefined ? undefined : childHost(parent, baseName(path));
  }

  /** Records a directory; replaces a file of the same name. */
  putDirectory(path: string, info: FileInfo, host: string, stamp: string): ChangeType | undefined {
    const old = this.index.get(path);
    if (old && !old.info.isDirectory) this.remove(path);
    else if (old && sameInfo(old.info, info) && old.host === host) {
      // Same listing-visible info; the stamp still moves on, or a renamed-over directory would be
      // taken for replaced, and listed again, at every later event.
      if (old.stamp !== stamp) this.index.set(path, { ...old, stamp });
      return undefined;
    }
    if (!this.#children.has(path)) {
      if (path !== '/') this.#adopt(path, info.name);
      this.#children.set(path, new Set());
    }
    this.index.set(path, { info: Object.freeze(info), onDisk: false, host, stamp });
    this.#touched(path);
    return old?.info.isDirectory ? undefined : 'addDir';
  }

  /**
   * Records a file version; `content` undefined means it stays on disk (over budget). A version with
   * the same strong ETag as the one it replaces has the same bytes (a touch), and keeps its encodings.
   */
  putFile(path: string, info: FileInfo, host: string, stamp: string, content: Uint8Array | undefined): ChangeType {
    const old = this.index.get(path);
    const same = content !== undefined && old?.info.etag !== undefined && old.info.etag === info.etag ? this.#encodings.get(old) : undefined;
    if (same === undefined) this.#release(path);
    if (old?.info.isDirectory) this.remove(path);
    else if (old?.bytes) this.bytesHeld -= old.bytes.length;
    // Over budget (no content): the entry is kept, the content stays on disk.
    const bytes = content && (this.shared ? toShared(content) : content);
    if (bytes) this.bytesHeld += bytes.length;
    this.#adopt(path, info.name);
    const parentHost = path === '/' ? undefined : this.index.get(dirName(path))?.host;
    const plain = parentHost !== undefined && host === childHost(parentHost, info.name);
    const entry: MirrorEntry = { info: Object.freeze(info), bytes, onDisk: !content, host: plain ? undefined : host, stamp };
    this.index.set(path, entry);
    if (same !== undefined) this.#encodings.set(entry, same);
    this.#touched(path);
    return old && !old.info.isDirectory ? 'change' : 'add';
  }

  /** Forgets a path and everything below it; returns the removed paths (deepest first) with their kind. */
  remove(path: string): { path: string; type: ChangeType }[] {
    const entry = this.index.get(path);
    if (!entry) return [];
    const removed: { path: string; type: ChangeType }[] = [];
    const forget = (p: string): void => {
      const e = this.index.get(p);
      if (!e) return;
      if (e.info.isDirectory) {
        for (const name of this.#childNames(p)) forget(joinPath(p, name));
        this.#children.delete(p);
        this.#listings.delete(p);
      } else if (e.bytes) {
        this.bytesHeld -= e.bytes.length;
        this.#release(p);
      }
      this.index.delete(p);
      this.links.delete(p);
      this.unreadable.delete(p);
      removed.push({ path: p, type: e.info.isDirectory ? 'unlinkDir' : 'unlink' });
    };
    forget(path);
    if (path !== '/') this.#children.get(dirName(path))?.delete(baseName(path));
    this.#touched(path);
    return removed;
  }

  /** The names held under a mirrored directory (a copy: the caller may remove them meanwhile). */
  childNames(path: string): string[] {
    return this.#childNames(path);
  }

  /** The sorted listing of a mirrored directory, computed once per change of its children. */
  listing(path: string): readonly FileInfo[] {
    let listing = this.#listings.get(path);
    if (!listing) {
      const infos: FileInfo[] = [];
      for (const name of this.#childNames(path)) {
        const child = this.index.get(joinPath(path, name));
        if (child) infos.push(child.info);
      }
      listing = Object.freeze(infos.sort((a, b) => compareNames(a.name, b.name)));
      this.#listings.set(path, listing);
    }
    return listing;
  }

  /** Drops everything and frees the memory. */
  clear(): void {
    this.index.clear();
    this.#children.clear();
    this.links.clear();
    this.unreadable.clear();
    this.#listings.clear();
    this.bytesHeld = 0;
    this.#encodedAt.clear();
    this.encodedBytes = 0;
  }

  /** The encodings of a version ready now, best first. */
  encodingsOf(entry: MirrorEntry): readonly EncodedBytes[] {
    return this.#encodings.get(entry) ?? NONE;
  }

  /** Records that a version's compression is asked for; false when it already was. */
  beginEncodings(entry: MirrorEntry): boolean {
    if (this.#encodings.has(entry)) return false;
    this.#encodings.set(entry, NONE);
    return true;
  }

  /**
   * Adds an encoding to the current version of `path` if that version still has the content
   * `etag` names and the encoding fits in `budget` beside everything held; otherwise drops it.
   */
  addEncoding(path: string, etag: string, encoded: EncodedBytes, budget: number): boolean {
    const entry = this.index.get(path);
    if (entry === undefined || entry.info.etag !== etag) return false;
    const size = encoded.bytes.length;
    const list = this.encodingsOf(entry);
    if (this.bytesHeld + this.encodedBytes + size > budget || list.some((e) => e.coding === encoded.coding)) return false;
    const rank = (e: EncodedBytes): number => CONTENT_CODINGS.indexOf(e.coding);
    this.#encodings.set(entry, Object.freeze([...list, encoded].sort((a, b) => rank(a) - rank(b))));
    this.encodedBytes += size;
    this.#encodedAt.set(path, (this.#encodedAt.get(path) ?? 0) + size);
    this.onEncoding?.(path);
    return true;
  }

  /**
   * Drops encodings, oldest first, until content and encodings fit in `budget`: content always
   * wins, since an encoding is only a cheaper form of bytes that are held anyway.
   */
  trimEncodings(budget: number): void {
    for (const [path, size] of this.#encodedAt) {
      if (this.bytesHeld + this.encodedBytes <= budget) return;
      const entry = this.index.get(path);
      if (entry !== undefined) this.#encodings.set(entry, NONE);
      this.encodedBytes -= size;
      this.#encodedAt.delete(path);
    }
  }

  // The current version at `path` leaves: its encodings no longer count (an open file of it keeps them).
  #release(path: string): void {
    const size = this.#encodedAt.get(path);
    if (size === undefined) return;
    this.encodedBytes -= size;
    this.#encodedAt.delete(path);
  }

  #childNames(path: string): string[] {
    const names = this.#children.get(path);
    return names === undefined ? [] : [...names];
  }

  // A new path is named in its parent, which the sync engines always put first. `name` is the
  // FileInfo's own string, so the two share it.
  #adopt(path: string, name: string): void {
    const siblings = this.#children.get(dirName(path));
    if (siblings === undefined) throw Object.assign(new Error(`ENOENT: no mirrored directory above '${path}'`), { code: 'ENOENT' });
    siblings.add(name);
  }

  // A child's new version changes its parent's listing (which carries the child's info).
  #touched(path: string): void {
    this.#listings.delete(path);
    if (path !== '/') this.#listings.delete(dirName(path));
  }
}

const NONE: readonly EncodedBytes[] = Object.freeze([]);

/**
 * A buffer of its own of `size` bytes, over a SharedArrayBuffer when `shared`: where the mirror
 * allocates the memory a version's content or encoding is kept in, besides the slabs (slabs.ts) for
 * small files read in bulk. Never a slice of Node's Buffer pool, which holds other data.
 */
export function allocateContent(size: number, shared: boolean): Buffer {
  return shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
}

// Content read by the directory engine is allocated shared already; any other arrives here once.
function toShared(content: Uint8Array): Uint8Array {
  if (content.length === 0 || content.buffer instanceof SharedArrayBuffer) return content;
  const own = allocateContent(content.length, true);
  own.set(content);
  return own;
}

/** The host path of an entry named `name` in the host directory `dirHost`. */
export function childHost(dirHost: string, name: string): string {
  return `${dirHost === '/' ? '' : dirHost}/${name}`;
}

function sameInfo(a: FileInfo, b: FileInfo): boolean {
  return a.name === b.name && a.size === b.size && a.mtimeMs === b.mtimeMs && a.isDirectory === b.isDirectory;
}
