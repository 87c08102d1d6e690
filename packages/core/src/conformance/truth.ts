import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
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
 * into their own ancestors are listed but not descended, since their tree is infinite. FIFOs,
 * sockets and devices are not part of it.
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
    if (!stats.isFile() && !stats.isDirectory()) return undefined; // a FIFO, socket or device: not served
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

/**
 * Paths that exist on disk below the root but that no backend may serve under the default policy:
 * links out of the root or dangling, FIFOs, sockets and devices, and the first few names below a
 * directory link that leads out of the root.
 */
export function readHiddenPaths(hostRoot: string): string[] {
  const root = realpathSync(hostRoot);
  const hidden: string[] = [];
  const walk = (path: string, dir: string): void => {
    for (const name of readdirSync(dir).sort(compareNames)) {
      const host = join(dir, name);
      const child = joinPath(path, name);
      let real: string;
      try {
        real = realpathSync(host);
      } catch {
        hidden.push(child); // dangling
        continue;
      }
      const stats = statSync(real);
      if (!isInside(real, root)) {
        hidden.push(child);
        // Below it, what really lies outside too (a name that leads back into the root is fine).
        if (stats.isDirectory()) {
          const outside = readdirSync(real)
            .sort(compareNames)
            .filter((below) => !isInside(realOrSelf(join(real, below)), root));
          for (const below of outside.slice(0, 3)) hidden.push(joinPath(child, below));
        }
      } else if (!stats.isFile() && !stats.isDirectory()) {
        hidden.push(child);
      } else if (lstatSync(host).isDirectory()) {
        walk(child, host); // real directories only: links inside the root are reached by their own path
      }
    }
  };
  walk('/', root);
  return hidden;
}

function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root + '/');
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
