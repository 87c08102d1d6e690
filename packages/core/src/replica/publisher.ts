import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { release } from '../capabilities/close-sync.js';
import { hasEncodings } from '../capabilities/encodings.js';
import type { ChangeEvent } from '../capabilities/change-feed.js';
import { isFsError } from '../errors.js';
import type { MemFS } from '../mem.js';
import { MemFile } from '../mirror/file.js';
import { joinPath } from '../path.js';
import type { ReplicaEntry, ReplicaMessage } from './messages.js';

/**
 * Serves one {@link MemFS} to worker threads: each {@link MirrorPublisher.connect} makes a port that a
 * {@link ReplicaFS} in a worker opens. The replica first gets a snapshot of the whole mirror, then
 * every change as the mirror announces it (and each encoding as it is ready), in order. With a
 * mirror made with `shared: true`, content and encodings are SharedArrayBuffer views: every
 * thread reads the same memory, and a version is freed once no thread holds it any more.
 *
 * @example
 * ```ts
 * const mirror = await MemFS.mirror('./public', { shared: true });
 * const publisher = new MirrorPublisher(mirror);
 * const port = publisher.connect();
 * const worker = new Worker('./serve.js', { workerData: { port }, transferList: [port] });
 * // in serve.js: const fs = await ReplicaFS.connect(workerData.port);
 * ```
 */
export class MirrorPublisher {
  readonly #mirror: MemFS;
  readonly #ports = new Set<MessagePort>();
  readonly #stop: () => void;
  readonly #encoded = (path: string): void => this.#enqueue(() => this.#publish(undefined, path));
  // Snapshots and updates run one at a time, in the order the mirror announced them: each reads the
  // mirror's state when it runs, so a replica always ends on the mirror's latest state.
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(mirror: MemFS) {
    this.#mirror = mirror;
    this.#stop = mirror.watch((event) => this.#enqueue(() => this.#publish(event, event.path)));
    mirror.on('encoded', this.#encoded);
  }

  /** Replicas connected now. */
  get replicas(): number {
    return this.#ports.size;
  }

  /**
   * A new port for one replica: transfer it to the worker (in `transferList`) and open it there with
   * {@link ReplicaFS.connect}. The snapshot is posted once the mirror holds the whole tree.
   * @throws TypeError once the publisher is closed.
   */
  connect(): MessagePort {
    if (this.#closed) throw new TypeError('the MirrorPublisher is closed');
    const { port1, port2 } = new MessageChannel();
    port1.on('close', () => this.#ports.delete(port1));
    this.#enqueue(async () => {
      await this.#mirror.mirrored();
      const entries = await this.#snapshot();
      const { root, symlinks } = this.#mirror;
      const message: ReplicaMessage = { kind: 'snapshot', root: isHostPath(root) ? root : undefined, symlinks, entries };
      port1.postMessage(message);
      this.#ports.add(port1);
    });
    return port2;
  }

  /** Stops following the mirror and closes every port (replicas keep the last state they got). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#mirror.off('encoded', this.#encoded);
    await this.#chain;
    for (const port of this.#ports) port.close();
    this.#ports.clear();
  }

  #enqueue(task: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(task).catch((err: unknown) => console.error(`hotfs: cannot publish a mirror change: ${(err as Error)?.message ?? String(err)}`));
  }

  async #publish(event: ChangeEvent | undefined, path: string): Promise<void> {
    if (this.#ports.size === 0 || this.#closed) return;
    const message: ReplicaMessage = { kind: 'update', event, entries: [await this.#entryOf(path)] };
    for (const port of this.#ports) port.postMessage(message);
  }

  async #snapshot(): Promise<ReplicaEntry[]> {
    const entries: ReplicaEntry[] = [];
    const visit = async (path: string): Promise<void> => {
      const entry = await this.#entryOf(path);
      entries.push(entry);
      if (!entry.info?.isDirectory || entry.error !== undefined) return;
      const children = await this.#mirror.readdir(path).catch(() => []);
      for (const child of children) await visit(joinPath(path, child.name));
    };
    await visit('/');
    return entries;
  }

  // The current state of a path. Synchronous up to the result on the common path, so info, bytes and
  // encodings all belong to one version.
  async #entryOf(path: string): Promise<ReplicaEntry> {
    let file;
    try {
      file = this.#mirror.tryOpenSync(path);
    } catch (err) {
      return this.#failed(path, err);
    }
    if (file === undefined) return { path };
    try {
      const info = file.statSync!();
      if (info.isDirectory) return { path, info };
      if (!(file instanceof MemFile)) return { path, info, onDisk: true };
      return { path, info, bytes: postable(file.bytes()), encodings: hasEncodings(file) ? file.encodings() : undefined };
    } finally {
      release(file);
    }
  }

  // Opening failed: a directory that cannot be listed (its subtree answers with its error), or a
  // file whose content stays on disk and answers there with the disk's error.
  async #failed(path: string, err: unknown): Promise<ReplicaEntry> {
    if (!isFsError(err)) throw err;
    const info = await this.#mirror.tryStat(path).catch(() => undefined);
    if (info === undefined) return { path, error: err.code };
    return info.isDirectory ? { path, info, error: err.code } : { path, info, onDisk: true };
  }
}

// A MemFS over a FileSystem names its source in angle brackets instead of a host path.
function isHostPath(root: string): boolean {
  return root.startsWith('/') || /^[A-Za-z]:[\\/]/.test(root);
}

/**
 * Posting a view of an ordinary ArrayBuffer copies the whole buffer, and a small file's view is one
 * slice of a 64 KiB slab (mirror/slabs.ts): outside shared memory only the file's own bytes are sent.
 */
function postable(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof SharedArrayBuffer || bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
