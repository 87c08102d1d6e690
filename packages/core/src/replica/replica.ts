import type { MessagePort } from 'node:worker_threads';
import type { ChangeEvent, ChangeFeedFS, ChangeListener } from '../capabilities/change-feed.js';
import type { EncodedBytes } from '../capabilities/encodings.js';
import { found } from '../capabilities/try-open-sync.js';
import { DirectoryFile } from '../directory.js';
import { DiskFS, openSyncOnDisk } from '../disk.js';
import { FsError } from '../errors.js';
import { EncodedMemFile, MemFile } from '../mirror/file.js';
import { baseName, cleanPath, compareNames, dirName, joinPath } from '../path.js';
import type { File, FileInfo } from '../types.js';
import type { ReplicaEntry, ReplicaMessage } from './messages.js';

/** One version of one path as the replica holds it. Immutable: a change replaces it. */
interface Held {
  readonly info: FileInfo;
  readonly bytes?: Uint8Array;
  readonly encodings?: readonly EncodedBytes[];
  readonly onDisk?: boolean;
  readonly error?: string;
}

const encodingsOf = (held: Held): readonly EncodedBytes[] => held.encodings ?? [];

/**
 * A read-only {@link FileSystem} in a worker thread over the mirror a {@link MirrorPublisher} serves
 * from the main thread. Lookups are Map lookups over the entries it was sent; file content is the
 * main thread's memory (SharedArrayBuffer views), never a copy. It answers as the MemFS does: the
 * same infos, bytes and encodings, `tryOpenSync`, `bytes()`, and a change feed that announces each
 * change once this replica shows it. A file whose content the mirror keeps on disk is opened from a
 * DiskFS of the replica's own over the same directory. When the publisher closes, the replica keeps
 * answering from the last state it got.
 *
 * @example
 * ```ts
 * import { workerData } from 'node:worker_threads';
 * const fs = await ReplicaFS.connect(workerData.port);  // the port MirrorPublisher.connect() made
 * const file = fs.tryOpenSync('/index.html');
 * ```
 */
export class ReplicaFS implements ChangeFeedFS {
  readonly #port: MessagePort;
  readonly #entries = new Map<string, Held>();
  readonly #children = new Map<string, Set<string>>();
  readonly #listings = new Map<string, readonly FileInfo[]>();
  /** Directories that cannot be listed, with the code they and their subtree answer with. */
  readonly #errors = new Map<string, string>();
  readonly #listeners = new Set<ChangeListener>();
  #disk: DiskFS | undefined;
  #closed = false;

  private constructor(port: MessagePort) {
    this.#port = port;
  }

  /**
   * Opens the replica on a port made by {@link MirrorPublisher.connect}. Resolves once the snapshot
   * of the whole mirror is applied; rejects when the port closes first.
   */
  static connect(port: MessagePort): Promise<ReplicaFS> {
    const fs = new ReplicaFS(port);
    return new Promise((resolve, reject) => {
      const closed = (): void => reject(new Error('hotfs: the mirror publisher closed before its snapshot arrived'));
      port.once('close', closed);
      port.on('message', (message: ReplicaMessage) => {
        if (message.kind === 'snapshot') {
          fs.#start(message);
          port.off('close', closed);
          resolve(fs);
        } else fs.#update(message);
      });
    });
  }

  #start({ root, symlinks, entries }: Extract<ReplicaMessage, { kind: 'snapshot' }>): void {
    if (root !== undefined) this.#disk = new DiskFS(root, { symlinks, io: 'sync' });
    for (const entry of entries) this.#apply(entry);
  }

  #update({ event, entries }: Extract<ReplicaMessage, { kind: 'update' }>): void {
    if (this.#closed) return;
    for (const entry of entries) this.#apply(entry);
    if (event) this.#announce(event);
  }

  #apply({ path, info, bytes, encodings, onDisk, error }: ReplicaEntry): void {
    const old = this.#entries.get(path);
    if (info === undefined || (old?.info.isDirectory && !info.isDirectory)) this.#drop(path);
    if (info === undefined) {
      if (error !== undefined && path !== '/') this.#errors.set(path, error);
      return;
    }
    this.#entries.set(path, { info, bytes, encodings, onDisk, error });
    if (error !== undefined && info.isDirectory) this.#errors.set(path, error);
    else this.#errors.delete(path);
    if (path !== '/') {
      const parent = dirName(path);
      let names = this.#children.get(parent);
      if (names === undefined) this.#children.set(parent, (names = new Set()));
      names.add(baseName(path));
      this.#listings.delete(parent);
    }
    this.#listings.delete(path);
  }

  // Forgets a path and everything below it.
  #drop(path: string): void {
    for (const name of this.#children.get(path) ?? []) this.#drop(joinPath(path, name));
    this.#children.delete(path);
    this.#listings.delete(path);
    this.#errors.delete(path);
    this.#entries.delete(path);
    if (path === '/') return;
    const parent = dirName(path);
    this.#children.get(parent)?.delete(baseName(path));
    this.#listings.delete(parent);
  }

  #announce(event: ChangeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error(`hotfs: a change listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  #check(path: string): void {
    if (this.#closed) throw new FsError('EBADF', String(path), 'file system is closed');
  }

  // As MemFS: below a directory that cannot be listed everything answers with its error; the
  // directory itself can still be stat'ed.
  #lookup(path: string, statOnly = false): { clean: string; held: Held | undefined } {
    this.#check(path);
    let clean = path;
    let held = this.#entries.get(path);
    if (held === undefined) {
      clean = cleanPath(path);
      if (clean !== path) held = this.#entries.get(clean);
    }
    if (this.#errors.size > 0 && !(statOnly && clean === '/')) {
      const code = this.#errorAt(statOnly && held ? dirName(clean) : clean);
      if (code) throw new FsError(code, clean);
    }
    return { clean, held };
  }

  #errorAt(path: string): string | undefined {
    for (let p = path; ; p = dirName(p)) {
      const code = this.#errors.get(p);
      if (code) return code;
      if (p === '/') return undefined;
    }
  }

  /** Opens a path at once: a Map lookup (see {@link FileSystem.tryOpenSync}). */
  tryOpenSync(path: string): File | undefined {
    const { clean, held } = this.#lookup(path);
    if (held === undefined) return undefined;
    if (held.info.isDirectory) return new DirectoryFile(this, clean, held.info);
    if (held.onDisk) {
      if (this.#disk === undefined) throw new FsError('EIO', clean, 'the mirror keeps this file in its source, which a worker cannot open');
      return openSyncOnDisk(this.#disk, clean);
    }
    return held.encodings ? new EncodedMemFile(clean, held, encodingsOf) : new MemFile(clean, held);
  }

  async tryOpen(path: string): Promise<File | undefined> {
    return this.tryOpenSync(path);
  }

  async open(path: string): Promise<File> {
    return found(this.tryOpenSync(path), path);
  }

  async tryStat(path: string): Promise<FileInfo | undefined> {
    return this.#lookup(path, true).held?.info;
  }

  async stat(path: string): Promise<FileInfo> {
    const { clean, held } = this.#lookup(path, true);
    if (held === undefined) throw new FsError('ENOENT', clean);
    return held.info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const { clean, held } = this.#lookup(path);
    if (held === undefined) throw new FsError('ENOENT', clean);
    if (!held.info.isDirectory) throw new FsError('ENOTDIR', clean);
    let listing = this.#listings.get(clean);
    if (listing === undefined) {
      const infos: FileInfo[] = [];
      for (const name of this.#children.get(clean) ?? []) {
        const child = this.#entries.get(joinPath(clean, name));
        if (child) infos.push(child.info);
      }
      listing = Object.freeze(infos.sort((a, b) => compareNames(a.name, b.name)));
      this.#listings.set(clean, listing);
    }
    return listing.slice();
  }

  /** The change feed: `listener` hears each change of the mirror once this replica shows it. */
  watch(listener: ChangeListener): () => void {
    const own = (event: ChangeEvent): void => listener(event);
    this.#listeners.add(own);
    return () => {
      this.#listeners.delete(own);
    };
  }

  /** Closes the port and drops every entry; open files keep their bytes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    this.#listeners.clear();
    this.#entries.clear();
    this.#children.clear();
    this.#listings.clear();
    await this.#disk?.close();
  }
}
