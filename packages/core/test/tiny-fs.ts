import { FsError, baseName, cleanPath, compareNames, dirName, type ChangeEvent, type ChangeFeedFS, type ChangeListener, type File, type FileInfo } from '@hotfs/core';
import type { ChangeDriver } from '@hotfs/core/conformance';

/** Ways {@link TinyFS} can be made wrong on purpose, to prove the kit notices. */
export type TinyFault = 'unsorted listing' | 'read ignores position' | 'announces early' | 'raw errors' | 'unclean event paths' | 'stop does not stop';

/**
 * A small in-memory backend with a change feed, written only for the kit's tests: right by
 * default, wrong in exactly the ways named in `faults`. It is also its own {@link ChangeDriver}.
 *
 * @example
 * ```ts
 * const fs = new TinyFS({ 'a.txt': 'a', 'empty/': '' }, ['unsorted listing']);
 * const report = await runConformance(fs, { 'a.txt': 'a', 'empty/': '' }, { capabilities: { changes: fs } });
 * ```
 */
export class TinyFS implements ChangeFeedFS, ChangeDriver {
  readonly #nodes = new Map<string, { info: FileInfo; bytes?: Uint8Array }>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #faults: Set<TinyFault>;
  #closed = false;

  constructor(data: Record<string, string>, faults: TinyFault[] = []) {
    this.#faults = new Set(faults);
    this.#nodes.set('/', { info: { name: '/', size: 0, mtimeMs: 1, isDirectory: true } });
    for (const [path, content] of Object.entries(data)) {
      if (path.endsWith('/')) this.#dir(cleanPath(path));
      else this.#put(cleanPath(path), new TextEncoder().encode(content));
    }
  }

  #lookup(path: string): { clean: string; node: { info: FileInfo; bytes?: Uint8Array } } {
    if (this.#closed) throw new FsError('EBADF', String(path));
    const clean = cleanPath(path);
    const node = this.#nodes.get(clean);
    if (node) return { clean, node };
    if (this.#faults.has('raw errors')) throw Object.assign(new Error(`ENOENT: no such file, stat '${clean}'`), { code: 'ENOENT' });
    const parent = this.#nodes.get(dirName(clean));
    throw new FsError(parent && !parent.info.isDirectory ? 'ENOTDIR' : 'ENOENT', clean);
  }

  async stat(path: string): Promise<FileInfo> {
    return this.#lookup(path).node.info;
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const { clean, node } = this.#lookup(path);
    if (!node.info.isDirectory) throw new FsError('ENOTDIR', clean);
    const names = [...this.#nodes.keys()].filter((p) => p !== '/' && dirName(p) === clean).sort(compareNames);
    if (this.#faults.has('unsorted listing')) names.reverse();
    return names.map((p) => this.#nodes.get(p)!.info);
  }

  async open(path: string): Promise<File> {
    const { clean, node } = this.#lookup(path);
    const { info, bytes } = node; // the version opened, whatever changes later
    let open = true;
    const check = () => {
      if (!open) throw new FsError('EBADF', clean);
    };
    return {
      stat: async () => (check(), info),
      read: async (into, position) => {
        check();
        if (!bytes) throw new FsError('EISDIR', clean);
        const from = this.#faults.has('read ignores position') ? 0 : position;
        const part = bytes.subarray(Math.min(from, bytes.length), Math.min(from + into.length, bytes.length));
        into.set(part);
        return part.length;
      },
      readdir: async () => (check(), this.readdir(clean)),
      close: async () => void (open = false),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  watch(listener: ChangeListener): () => void {
    const call: ChangeListener = (event) => listener(event);
    this.#listeners.add(call);
    return () => {
      if (!this.#faults.has('stop does not stop')) this.#listeners.delete(call);
    };
  }

  async write(path: string, data: string | Uint8Array): Promise<void> {
    const clean = cleanPath(path);
    const type = this.#nodes.has(clean) ? 'change' : 'add';
    await this.#change({ type, path: clean }, () => this.#put(clean, typeof data === 'string' ? new TextEncoder().encode(data) : data));
  }

  async mkdir(path: string): Promise<void> {
    const clean = cleanPath(path);
    await this.#change({ type: 'addDir', path: clean }, () => this.#dir(clean));
  }

  async remove(path: string): Promise<void> {
    const clean = cleanPath(path);
    const node = this.#nodes.get(clean);
    if (!node) return;
    await this.#change({ type: node.info.isDirectory ? 'unlinkDir' : 'unlink', path: clean }, () => {
      for (const p of [...this.#nodes.keys()]) if (p === clean || p.startsWith(`${clean}/`)) this.#nodes.delete(p);
    });
  }

  // Announced after the change is visible, unless the fault says otherwise.
  async #change(event: ChangeEvent, apply: () => void): Promise<void> {
    const announced = this.#faults.has('unclean event paths') ? { ...event, path: `${event.path}/.` } : event;
    if (this.#faults.has('announces early')) {
      this.#announce(announced);
      await new Promise((resolve) => setImmediate(resolve));
      apply();
      return;
    }
    apply();
    this.#announce(announced);
  }

  #announce(event: ChangeEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  #put(path: string, bytes: Uint8Array): void {
    this.#dir(dirName(path));
    this.#nodes.set(path, { info: { name: baseName(path), size: bytes.length, mtimeMs: Date.now(), isDirectory: false }, bytes });
  }

  #dir(path: string): void {
    if (this.#nodes.has(path)) return;
    this.#dir(dirName(path));
    this.#nodes.set(path, { info: { name: baseName(path), size: 0, mtimeMs: Date.now(), isDirectory: true } });
  }
}
