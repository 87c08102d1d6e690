/**
 * Zero-copy reads from a user's memfs Volume, through memfs internals (feature-detected; memfs's
 * public reads always copy). memfs 4.80.1 swaps in a new buffer when a file is rewritten whole
 * (`writeFileSync`), but writes through a descriptor (`r+`, append into spare capacity) and
 * `truncate` change the buffer IN PLACE, which would alter bytes an open File already holds. So
 * the first time a node's bytes are handed out, its `write` and `truncate` are wrapped to move the
 * node to a private copy of its buffer before changing it (copy on write): a file nobody changes
 * in place is never copied, and a view handed out earlier keeps its bytes whatever memfs does next.
 */
import type { Volume } from 'memfs';

interface MemfsNode {
  buf: Uint8Array;
  getSize(): number;
  write: (this: MemfsNode, ...args: unknown[]) => number;
  truncate: (this: MemfsNode, ...args: unknown[]) => void;
}
interface MemfsCore {
  getResolvedLinkOrThrow(path: string): { getNode(): MemfsNode };
}

/** Reads the whole content of a regular file at a resolved volume path. */
export type ReadBytes = (path: string) => Uint8Array;

/** Nodes whose current buffer has been handed out: the next in-place change moves them first. */
const shared = new WeakSet<MemfsNode>();
const guarded = new WeakSet<MemfsNode>();

/**
 * A reader that returns views of the bytes the Volume holds, or undefined when this memfs does not
 * look as expected (then the caller copies through the public API).
 */
export function zeroCopyReader(vol: Volume): ReadBytes | undefined {
  const core = (vol as unknown as { _core?: Partial<MemfsCore> })._core;
  if (typeof core?.getResolvedLinkOrThrow !== 'function') return undefined;
  const resolve = core.getResolvedLinkOrThrow.bind(core);
  return (path) => {
    const node = resolve(path).getNode();
    if (!looksLikeFileNode(node)) return vol.readFileSync(path) as Buffer;
    guard(node);
    shared.add(node);
    return node.buf.subarray(0, node.getSize());
  };
}

function looksLikeFileNode(node: Partial<MemfsNode> | undefined): node is MemfsNode {
  return node?.buf instanceof Uint8Array && typeof node.getSize === 'function' && typeof node.write === 'function' && typeof node.truncate === 'function';
}

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
