/**
 * Every use of memfs internals lives here, so a memfs upgrade that breaks them fails one test
 * (test/mirror-volume.test.ts) loudly instead of corrupting the mirror quietly. memfs is pinned to
 * an exact version in package.json for the same reason.
 *
 * Why internals at all: memfs's public reads always copy (a 5 MiB readFileSync costs ~0.4 ms, no
 * faster than the page cache), and its rmdir/rm never free inodes. The Volume stays the store of
 * record; we only take zero-copy views of what it holds and free what it forgets to.
 */
import { Volume } from 'memfs';

interface MemfsFanOut {
  emit(data: unknown): void;
  listen(listener: (data: unknown) => void): () => void;
}
interface MemfsNode {
  buf: Uint8Array;
  getSize(): number;
  isDirectory(): boolean;
  _setBuf(buf: Buffer): void;
  _atime: Date;
  _mtime: Date;
  _ctime: Date;
  _btime: Date;
  changes: MemfsFanOut;
}
interface MemfsLink {
  getNode(): MemfsNode;
  getChild(name: string): MemfsLink | undefined;
  children: Map<string, MemfsLink | undefined>;
  changes: MemfsFanOut;
}
interface MemfsCore {
  createLink(parent: MemfsLink, name: string, isDirectory: boolean, mode: number): MemfsLink;
  getResolvedLinkOrThrow(path: string): MemfsLink;
  getLinkOrThrow(path: string): MemfsLink;
  deleteNode(node: MemfsNode): void;
}

function core(vol: Volume): MemfsCore {
  return (vol as unknown as { _core: MemfsCore })._core;
}

/**
 * A Volume for the mirror. memfs asks the process for its uid and gid at every path walk and for
 * every node it makes, each a syscall (~1.5 µs on a VM: about 0.6 s of a 100,000-file first load);
 * this Volume's own walks and nodes use the ids read once. They only feed memfs's permission checks
 * of the mirror's own calls, on nodes the mirror made readable and writable to all.
 */
export function mirrorVolume(): Volume {
  const vol = new Volume();
  const ids = { getuid: { value: uid }, getgid: { value: gid } };
  (core(vol) as unknown as { process: NodeJS.Process }).process = Object.create(process, ids) as NodeJS.Process;
  return vol;
}

const UID = process.getuid?.() ?? 0;
const GID = process.getgid?.() ?? 0;
const uid = (): number => UID;
const gid = (): number => GID;

/**
 * A new file link under `parent`. memfs's Node constructor asks the global `process` for the uid
 * and gid itself, whatever its Volume was given (two syscalls per file, ~3 µs here: a tenth of a
 * 100,000-file first load); for the duration of this one synchronous call it gets the ids read once.
 * Nothing else runs meanwhile, and the originals are back before it returns or throws.
 */
function newFileLink(c: MemfsCore, parent: MemfsLink, name: string): MemfsLink {
  const { getuid, getgid } = process;
  process.getuid = uid;
  process.getgid = gid;
  try {
    return c.createLink(parent, name, false, 0o666);
  } finally {
    process.getuid = getuid;
    process.getgid = getgid;
  }
}

/**
 * Stores `content` at `path` (replacing any file there) and returns the bytes the Volume now holds.
 * The Volume takes `content` itself as the file's buffer: no copy, and exact size (memfs's own
 * writeFileSync keeps a power-of-two buffer: 100,000 bytes sit in 131,072). The caller hands over
 * ownership: `content` must be a buffer of its own (not a pool slice) that nobody writes to again.
 * A replaced version's buffer is left untouched, so views handed out earlier stay intact.
 * `name` is the path's last segment; passing the caller's own string lets the Volume share it.
 *
 * The link is made directly under its parent (one lookup), not through writeFileSync (three path
 * walks, a descriptor and permission checks): ~6 instead of ~11 us per file.
 */
export function storeFile(vol: Volume, path: string, content: Uint8Array, name = path.slice(path.lastIndexOf('/') + 1)): Uint8Array {
  const c = core(vol);
  const slash = path.lastIndexOf('/');
  const dir = slash === 0 ? '/' : path.slice(0, slash);
  let last = lastParent.get(vol);
  if (last?.dir !== dir) {
    last = { dir, link: c.getResolvedLinkOrThrow(dir) };
    lastParent.set(vol, last);
  }
  const parent = last.link;
  if (!parent.getNode().isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${path}'`), { code: 'ENOTDIR' });
  const link = parent.getChild(name) ?? newFileLink(c, parent, name);
  const node = link.getNode();
  if (node.isDirectory()) throw Object.assign(new Error(`EISDIR: is a directory, '${path}'`), { code: 'EISDIR' });
  const buf = content.length === 0 ? EMPTY : Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  node._setBuf(buf);
  slim(link, node);
  return node.buf;
}

/**
 * The directory the last file was stored into, per Volume: a walk stores a directory's files one
 * after another, and looking the parent up by path is a path split and a walk (~4 µs, about 0.4 s
 * of a 100,000-file first load). Only {@link removeTree} detaches links, and it forgets this.
 */
const lastParent = new WeakMap<Volume, { dir: string; link: MemfsLink }>();

/** Shared by every empty file (and every file kept on disk): nothing can be written into 0 bytes. */
const EMPTY = Buffer.alloc(0);

/**
 * memfs gives every file's Link and Node ~1 KiB of objects MemFS never uses: four Dates on the Node
 * (~100 B each; the mirror keeps its own times in FileInfo), a `changes` fan-out with its own Set on
 * both (deprecated in memfs; memfs 4.80.1 itself never subscribes to them), and a `children` Map on
 * the file's Link (only directories have children). Files share one of each instead: that is about
 * 40% of a small file's cost. Directories keep theirs (their children and times are live).
 */
function slim(link: MemfsLink, node: MemfsNode): void {
  node._atime = node._mtime = node._ctime = node._btime = FILE_TIMES;
  node.changes = link.changes = NO_LISTENERS;
  link.children = NO_CHILDREN;
}

/** The Volume's times of every file: never read (memfs replaces a Date on a change, never mutates one). */
const FILE_TIMES = new Date(0);

/** Emitting to nobody is what memfs's own fan-out does here; subscribing would be a memfs change to review. */
const NO_LISTENERS: MemfsFanOut = {
  emit: () => {},
  listen: () => {
    throw new Error('hotfs: memfs subscribed to a file node or link; review src/mirror/volume.ts for this memfs version');
  },
};

/** A file's children: always none. Adding one would corrupt every file at once, so it throws. */
class NoChildren extends Map<string, MemfsLink | undefined> {
  override set(): this {
    throw new Error('hotfs: memfs added a child to a file; review src/mirror/volume.ts for this memfs version');
  }
}
const NO_CHILDREN = new NoChildren();

/**
 * Removes a file or a whole directory tree from the Volume and frees every inode and buffer.
 * (memfs's rmSync/rmdirSync only unhook the link; unlinkSync is the one call that frees a node.)
 */
export function removeTree(vol: Volume, path: string): void {
  lastParent.delete(vol);
  const link = core(vol).getLinkOrThrow(path);
  const node = link.getNode();
  if (!node.isDirectory()) {
    vol.unlinkSync(path);
    return;
  }
  for (const name of vol.readdirSync(path) as string[]) removeTree(vol, path === '/' ? `/${name}` : `${path}/${name}`);
  if (path === '/') return;
  vol.rmdirSync(path);
  core(vol).deleteNode(node);
}

export { Volume };
