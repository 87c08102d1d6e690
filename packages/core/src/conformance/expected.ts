import { readFile } from '../capabilities/bytes.js';
import { baseName, cleanPath, compareNames, dirName, joinPath } from '../path.js';
import type { FileInfo, FileSystem } from '../types.js';
import { readExpectedTree, type ExpectedEntry } from './truth.js';

/**
 * The tree a backend must present: a host directory (read from disk, links followed only inside
 * it), a {@link FileSystem} trusted as the truth (walked with `readdir` and `open`), or data:
 * path → content (a string is UTF-8). Directories are implied by the paths; a key ending in `/`
 * is an (empty) directory.
 */
export type ExpectedTree = string | FileSystem | Readonly<Record<string, string | Uint8Array>> | ReadonlyMap<string, string | Uint8Array>;

/** An {@link ExpectedTree} turned into one entry per path. */
export interface ResolvedTree {
  tree: Map<string, ExpectedEntry>;
  kind: 'host directory' | 'file system' | 'data';
  /** Set when the tree was read from a host directory. */
  hostRoot?: string;
}

/** Reads any form of {@link ExpectedTree}. @throws TypeError for data that is not a tree. */
export async function resolveExpected(expected: ExpectedTree): Promise<ResolvedTree> {
  if (typeof expected === 'string') return { tree: readExpectedTree(expected), kind: 'host directory', hostRoot: expected };
  if (expected instanceof Map) return { tree: fromData([...(expected as ReadonlyMap<string, unknown>)]), kind: 'data' };
  if (isFileSystem(expected)) return { tree: await fromFileSystem(expected), kind: 'file system' };
  if (typeof expected === 'object' && expected !== null) return { tree: fromData(Object.entries(expected)), kind: 'data' };
  throw new TypeError(`expected tree must be a host path, a FileSystem, a Map or a record of path → content; got ${typeof expected}`);
}

function isFileSystem(value: object): value is FileSystem {
  const fs = value as Partial<FileSystem>;
  return typeof fs.open === 'function' && typeof fs.readdir === 'function' && typeof fs.stat === 'function';
}

// Only the fields a backend must reproduce; the truth's validators say nothing about another backend's.
function plain(info: FileInfo, name: string): FileInfo {
  return { name, size: info.isDirectory ? 0 : info.size, mtimeMs: info.mtimeMs, isDirectory: info.isDirectory };
}

async function fromFileSystem(truth: FileSystem): Promise<Map<string, ExpectedEntry>> {
  const tree = new Map<string, ExpectedEntry>();
  const visit = async (path: string, info: FileInfo): Promise<void> => {
    if (!info.isDirectory) {
      // A copy: the truth may hand out bytes it shares and later changes.
      tree.set(path, { info, bytes: new Uint8Array(await readFile(truth, path)) });
      return;
    }
    const children = (await truth.readdir(path)).map((child) => plain(child, child.name));
    tree.set(path, { info, children });
    for (const child of children) await visit(joinPath(path, child.name), child);
  };
  try {
    await visit('/', plain(await truth.stat('/'), '/'));
  } catch (err) {
    throw new Error(`cannot read the expected tree from its FileSystem: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  return tree;
}

function fromData(entries: [string, unknown][]): Map<string, ExpectedEntry> {
  const files = new Map<string, Uint8Array>();
  const dirs = new Set<string>(['/']);
  for (const [key, content] of entries) {
    if (typeof key !== 'string') throw new TypeError(`expected tree: a path must be a string; got ${typeof key}`);
    let path: string;
    try {
      path = cleanPath(key);
    } catch {
      throw new TypeError(`expected tree: path ${JSON.stringify(key)} is not valid (a NUL byte?)`);
    }
    if (key.endsWith('/')) {
      if (content !== '' && !(content instanceof Uint8Array && content.length === 0))
        throw new TypeError(`expected tree: directory key ${JSON.stringify(key)} must map to '' (it has no content)`);
      dirs.add(path);
    } else if (typeof content === 'string') files.set(path, new TextEncoder().encode(content));
    else if (content instanceof Uint8Array) files.set(path, content);
    else throw new TypeError(`expected tree: content of ${JSON.stringify(key)} must be a string or a Uint8Array; got ${content === null ? 'null' : typeof content}`);
    if (path === '/' && !key.endsWith('/')) throw new TypeError(`expected tree: ${JSON.stringify(key)} names the root, which is a directory`);
    for (let dir = dirName(path); dir !== '/'; dir = dirName(dir)) dirs.add(dir);
  }
  for (const path of files.keys()) {
    if (dirs.has(path)) throw new TypeError(`expected tree: ${JSON.stringify(path)} is both a file and a directory`);
  }
  const info = (path: string, isDirectory: boolean, size = 0): FileInfo => ({ name: baseName(path), size, mtimeMs: 0, isDirectory });
  const tree = new Map<string, ExpectedEntry>();
  const children = new Map<string, FileInfo[]>([...dirs].map((d) => [d, []]));
  for (const path of [...dirs, ...files.keys()].sort(compareNames)) {
    const isDirectory = dirs.has(path);
    const entry: ExpectedEntry = isDirectory
      ? { info: info(path, true), children: children.get(path)! }
      : { info: info(path, false, files.get(path)!.length), bytes: files.get(path)! };
    tree.set(path, entry);
    if (path !== '/') children.get(dirName(path))!.push(entry.info);
  }
  return tree;
}
