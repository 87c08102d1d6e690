import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareNames, joinPath } from '../path.js';
import type { FileInfo } from '../types.js';

/** One path of the expected tree. */
export interface ExpectedEntry {
  info: FileInfo;
  /** Content, for files. */
  bytes?: Uint8Array;
  /** Sorted children, for directories. */
  children?: FileInfo[];
}

/**
 * Reads a directory on disk into the tree every backend must present, following symbolic links only
 * when their real target lies inside the root (the default policy). Directory links that lead back
 * into their own ancestors are listed but not descended, since their tree is infinite.
 */
export function readExpectedTree(hostRoot: string): Map<string, ExpectedEntry> {
  const root = realpathSync(hostRoot);
  const tree = new Map<string, ExpectedEntry>();
  const visit = (path: string, host: string, ancestors: string[]): FileInfo | undefined => {
    let real: string;
    try {
      real = realpathSync(host);
    } catch {
      return undefined; // dangling
    }
    if (real !== root && !real.startsWith(root + '/')) return undefined;
    const stats = statSync(real);
    const name = path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
    const info: FileInfo = { name, size: stats.isDirectory() ? 0 : stats.size, mtimeMs: Math.floor(stats.mtimeMs), isDirectory: stats.isDirectory() };
    if (!info.isDirectory) {
      tree.set(path, { info, bytes: readFileSync(real) });
      return info;
    }
    if (ancestors.includes(real)) {
      tree.set(path, { info }); // a cycle: its listing is not compared
      return info;
    }
    const children: FileInfo[] = [];
    for (const child of readdirSync(real).sort(compareNames)) {
      const childInfo = visit(joinPath(path, child), join(real, child), [...ancestors, real]);
      if (childInfo) children.push(childInfo);
    }
    tree.set(path, { info, children });
    return info;
  };
  visit('/', root, []);
  return tree;
}
