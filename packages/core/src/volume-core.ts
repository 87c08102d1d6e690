/**
 * How VolumeFS reaches a user's memfs Volume: through memfs internals where they look as expected
 * (feature-detected), else through its public API.
 *
 * Internals, because the public API is slow and copies: a lookup through it is a `realpathSync`,
 * a `statSync` and a read, each a path walk of its own (and every walk asks the OS for the uid and
 * gid), and its reads copy. Inside, one walk finds the node, and its buffer is the content.
 *
 * Zero-copy needs care: memfs 4.80.1 swaps in a new buffer when a file is rewritten whole
 * (`writeFileSync`), but writes through a descriptor (`r+`, append into spare capacity) and
 * `truncate` change the buffer IN PLACE, which would alter bytes an open File already holds. So
 * the first time a node's bytes are handed out, its `write` and `truncate` are wrapped to move the
 * node to a private copy of its buffer before changing it (copy on write): a file nobody changes
 * in place is never copied, and a view handed out earlier keeps its bytes whatever memfs does next.
 */
import type { Volume } from 'memfs';

/** A file or directory of the Volume as it is now, symbolic links resolved. */
export interface VolumeEntry {
  /** Its path in the Volume with every link resolved. */
  readonly real: string;
  readonly isDirectory: boolean;
  readonly isFile: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** What identifies this file across lookups while it lives (its memfs node, or its real path). */
  readonly identity: object | string;
}

/** The two things VolumeFS asks of a Volume. */
export interface VolumeAccess {
  /**
   * The entry at a Volume path; undefined when it is missing, or leads through a file, into a loop
   * or nowhere. Any other failure (EACCES…) throws memfs's error.
   */
  find(path: string): VolumeEntry | undefined;
  /** The whole content of a file that {@link VolumeAccess.find} returned just now. */
  bytes(entry: VolumeEntry): Uint8Array;
}

interface MemfsNode {
  buf: Uint8Array;
  isSymlink(): boolean;
  canExecute(uid: number, gid: number): boolean;
  ino: number;
  mtime: Date;
  getSize(): number;
  isDirectory(): boolean;
  isFile(): boolean;
  write: (this: MemfsNode, ...args: unknown[]) => number;
  truncate: (this: MemfsNode, ...args: unknown[]) => void;
}
interface MemfsLink {
  children: Map<string, MemfsLink>;
  getNode(): MemfsNode;
  getPath(): string;
}
type MemfsResult = { ok: true; value: MemfsLink } | { ok: false; err: { code?: string; toError(): Error } };
interface MemfsCore {
  root: MemfsLink;
  process?: { getuid?(): number; getgid?(): number };
  getResolvedLinkResult(path: string): MemfsResult;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/** Access to `vol`: its internals when they look as expected (zero-copy bytes unless told not to), else the public API. */
export function volumeAccess(vol: Volume, zeroCopy: boolean): VolumeAccess {
  return internalAccess(vol, zeroCopy) ?? publicAccess(vol);
}

/** What {@link plainWalk} answers when the path needs memfs's own walk: a link on the way, or a directory it may not enter. */
const ASK_MEMFS = Symbol('ask memfs');

function internalAccess(vol: Volume, zeroCopy: boolean): VolumeAccess | undefined {
  const core = (vol as unknown as { _core?: Partial<MemfsCore> })._core;
  if (typeof core?.getResolvedLinkResult !== 'function' || !(core.root?.children instanceof Map) || !looksLikeNode(core.root.getNode?.())) return undefined;
  const resolve = core.getResolvedLinkResult.bind(core);
  const root = core.root;
  // memfs asks the OS for them on every walk; they do not change under a server.
  const uid = core.process?.getuid?.() ?? 0;
  const gid = core.process?.getgid?.() ?? 0;
  const memfsWalk = (path: string): MemfsLink | undefined => {
    const result = resolve(path);
    if (result.ok) return result.value;
    if (MISSING.has(result.err.code ?? '')) return undefined;
    throw result.err.toError();
  };
  return {
    find(path) {
      const plain = plainWalk(root, path, uid, gid);
      const link = plain === ASK_MEMFS ? memfsWalk(path) : plain;
      if (link === undefined) return undefined;
      const node = link.getNode();
      if (!looksLikeNode(node)) return publicAccess(vol).find(path);
      const isFile = node.isFile();
      return {
        // Without a link on the way, the path is its own real path.
        real: plain === ASK_MEMFS ? link.getPath() || '/' : path,
        isDirectory: node.isDirectory(),
        isFile,
        size: isFile ? node.getSize() : 0,
        mtimeMs: node.mtime.getTime(),
        ino: node.ino,
        identity: node,
      };
    },
    bytes(entry) {
      // A string identity: found through the public API (a node that did not look as expected).
      if (typeof entry.identity === 'string') return vol.readFileSync(entry.real) as Buffer;
      const node = entry.identity as MemfsNode;
      const view = node.buf.subarray(0, node.getSize());
      if (!zeroCopy) return new Uint8Array(view); // a copy (a Buffer's slice() would be a view)
      guard(node);
      shared.add(node);
      return view;
    },
  };
}

/**
 * memfs's walk of a clean absolute path, for the common case it is made for: directories the
 * process may enter and no symbolic link on the way. It reads the children maps directly, where
 * memfs's walk asks the OS for the uid and gid and stamps each directory's atime. Anything else is
 * left to memfs ({@link ASK_MEMFS}), so links and EACCES behave exactly as memfs has them.
 */
function plainWalk(root: MemfsLink, path: string, uid: number, gid: number): MemfsLink | undefined | typeof ASK_MEMFS {
  let link = root;
  for (let start = 1; start < path.length;) {
    const dir = link.getNode();
    if (!dir.isDirectory()) return undefined;
    if (!dir.canExecute(uid, gid)) return ASK_MEMFS;
    const end = path.indexOf('/', start);
    const child = link.children.get(end === -1 ? path.slice(start) : path.slice(start, end));
    if (child === undefined) return undefined;
    if (child.getNode().isSymlink()) return ASK_MEMFS;
    link = child;
    if (end === -1) break;
    start = end + 1;
  }
  return link;
}

function publicAccess(vol: Volume): VolumeAccess {
  return {
    find(path) {
      try {
        const real = vol.realpathSync(path) as string;
        const stats = vol.statSync(real);
        const isFile = stats.isFile();
        return { real, isDirectory: stats.isDirectory(), isFile, size: isFile ? Number(stats.size) : 0, mtimeMs: Number(stats.mtimeMs), ino: Number(stats.ino), identity: real };
      } catch (err) {
        if (MISSING.has((err as NodeJS.ErrnoException | undefined)?.code ?? '')) return undefined;
        throw err;
      }
    },
    bytes: (entry) => vol.readFileSync(entry.real) as Buffer,
  };
}

function looksLikeNode(node: Partial<MemfsNode> | undefined): node is MemfsNode {
  return (
    node?.buf instanceof Uint8Array &&
    node.mtime instanceof Date &&
    typeof node.ino === 'number' &&
    typeof node.getSize === 'function' &&
    typeof node.isDirectory === 'function' &&
    typeof node.isFile === 'function' &&
    typeof node.isSymlink === 'function' &&
    typeof node.canExecute === 'function' &&
    typeof node.write === 'function' &&
    typeof node.truncate === 'function'
  );
}

/** Nodes whose current buffer has been handed out: the next in-place change moves them first. */
const shared = new WeakSet<MemfsNode>();
const guarded = new WeakSet<MemfsNode>();

function guard(node: MemfsNode): void {
  if (guarded.has(node)) return;
  guarded.add(node);
  const { write, truncate } = node;
  node.write = function (this: MemfsNode, ...args) {
    unshare(this);
    return write.apply(this, args);
  };
  node.truncate = function (this: MemfsNode, ...args) {
    const len = typeof args[0] === 'number' ? args[0] : 0;
    // To zero memfs drops the buffer (nothing to copy); shrinking changes no byte; growing writes zeros.
    if (len <= 0) shared.delete(this);
    else if (len > this.getSize()) unshare(this);
    truncate.apply(this, args);
  };
}

function unshare(node: MemfsNode): void {
  if (!shared.delete(node)) return;
  // Same length as the old buffer: memfs keeps its spare capacity in step with it.
  const copy = Buffer.allocUnsafe(node.buf.length);
  copy.set(node.buf.subarray(0, node.getSize()));
  node.buf = copy;
}
