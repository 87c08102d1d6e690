import type { Entry, ZipFile } from 'yauzl';
import yauzl from 'yauzl';
import type { HeldVersion } from './mirror/file.js';
import { cleanPath, compareNames, dirName } from './path.js';
import type { FileInfo } from './types.js';

/** Where one served entry's data lies in the archive; `dataStart` is learned from its local header on first use. */
export interface ZipEntry {
  readonly localHeaderOffset: number;
  readonly compressedSize: number;
  readonly size: number;
  /** 0 stored, 8 deflated: the only methods served. */
  readonly method: 0 | 8;
  readonly crc32: number;
  dataStart?: number;
  /** Set once the CRC-32 of a stored entry held in memory has been checked. */
  checked?: boolean;
}

/** One path of the served tree. */
export interface ZipNode {
  readonly path: string;
  readonly info: FileInfo;
  /** Present for files. */
  readonly entry?: ZipEntry;
  /** Sorted, for directories. */
  children?: FileInfo[];
  /**
   * A stored entry of an archive held whole, once its CRC-32 has passed: built at the first open and
   * reused by every later one, which then costs only the file object.
   */
  held?: HeldVersion;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
const FLAG_ENCRYPTED = 0x1;

/** What the central directory yields: the tree, and a line for every entry left out. */
export interface ZipTree {
  nodes: Map<string, ZipNode>;
  warnings: string[];
}

/** Facts about the archive file the tree needs. */
export interface ArchiveFacts {
  /** mtime of implied directories (and the root): they have no time of their own. */
  mtimeMs: number;
  /** Prefix of every file's strong etag: names this archive's identity (see zip.ts). */
  tagPrefix: string;
  maxEntrySize: number;
}

/**
 * Reads every central directory entry into a tree. An entry is left out, with a warning, when its
 * name is unsafe or not already clean (so it can never be served under a cleaned name that lands
 * elsewhere), when it is a symbolic link or special file, encrypted, compressed with a method other
 * than stored or deflate, stored with two different sizes, larger than `maxEntrySize`, named twice,
 * or named where the archive also needs a directory. A structural fault (a truncated or corrupt
 * central directory) rejects: the archive as a whole cannot be trusted.
 */
export async function readTree(zip: ZipFile, facts: ArchiveFacts): Promise<ZipTree> {
  const warnings: string[] = [];
  const leaveOut = (name: string, why: string) => void warnings.push(`left out entry ${JSON.stringify(name)}: ${why}`);
  const files = new Map<string, { info: FileInfo; entry: ZipEntry }[]>();
  const dirs = new Map<string, number>();
  await eachEntry(zip, (raw) => {
    const name = yauzl.getFileNameLowLevel(raw.generalPurposeBitFlag, raw.fileNameRaw, raw.extraFields, true);
    const refusal = refuse(raw, name, facts.maxEntrySize);
    if (refusal) return leaveOut(name, refusal);
    const isDir = name.endsWith('/') || unixType(raw) === S_IFDIR;
    const path = '/' + (name.endsWith('/') ? name.slice(0, -1) : name);
    const mtimeMs = entryTime(raw, facts.mtimeMs);
    if (isDir) {
      if (!dirs.has(path)) dirs.set(path, mtimeMs);
      return;
    }
    const entry: ZipEntry = {
      localHeaderOffset: raw.relativeOffsetOfLocalHeader,
      compressedSize: raw.compressedSize,
      size: raw.uncompressedSize,
      method: raw.compressionMethod as 0 | 8,
      crc32: raw.crc32,
    };
    const info: FileInfo = {
      name: path.slice(path.lastIndexOf('/') + 1),
      size: entry.size,
      mtimeMs,
      isDirectory: false,
      etag: `${facts.tagPrefix}.${entry.localHeaderOffset.toString(36)}`,
    };
    const same = files.get(path);
    if (same) same.push({ info, entry });
    else files.set(path, [{ info, entry }]);
  });
  return { nodes: buildTree(files, dirs, facts.mtimeMs, leaveOut), warnings };
}

// yauzl's own async iterator costs a promise and a timer per entry; its events do not.
function eachEntry(zip: ZipFile, visit: (entry: Entry) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      try {
        visit(entry);
      } catch (err) {
        return reject(err instanceof Error ? err : new Error(String(err)));
      }
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
}

function buildTree(
  files: Map<string, { info: FileInfo; entry: ZipEntry }[]>,
  explicitDirs: Map<string, number>,
  mtimeMs: number,
  leaveOut: (name: string, why: string) => void,
): Map<string, ZipNode> {
  // Every ancestor of an entry is a directory, named or not.
  const dirPaths = new Set<string>(['/', ...explicitDirs.keys()]);
  const addAncestors = (path: string) => {
    for (let dir = dirName(path); !dirPaths.has(dir); dir = dirName(dir)) dirPaths.add(dir);
  };
  for (const path of explicitDirs.keys()) addAncestors(path);
  const served: [string, { info: FileInfo; entry: ZipEntry }][] = [];
  for (const [path, copies] of files) {
    // Two entries of one name are read differently by different tools (first or last wins): serving
    // either could differ from what the archive's author checked, so neither is served.
    if (copies.length > 1) leaveOut(path.slice(1), `named by ${copies.length} entries`);
    else served.push([path, copies[0]!]);
  }
  for (const [path] of served) addAncestors(path);
  const nodes = new Map<string, ZipNode>();
  for (const path of dirPaths) {
    const info: FileInfo = { name: path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1), size: 0, mtimeMs: explicitDirs.get(path) ?? mtimeMs, isDirectory: true };
    nodes.set(path, { path, info, children: [] });
  }
  for (const [path, { info, entry }] of served) {
    if (dirPaths.has(path)) leaveOut(path.slice(1), 'a directory of the archive has the same name');
    else nodes.set(path, { path, info, entry });
  }
  for (const node of nodes.values()) if (node.path !== '/') nodes.get(dirName(node.path))!.children!.push(node.info);
  for (const node of nodes.values()) node.children?.sort((a, b) => compareNames(a.name, b.name));
  return nodes;
}

/** Why an entry is not served, or undefined when it is. */
function refuse(raw: Entry, name: string, maxEntrySize: number): string | undefined {
  const unsafe = unsafeName(name);
  if (unsafe) return unsafe;
  const type = unixType(raw);
  if (type === S_IFLNK) return 'a symbolic link';
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return 'not a regular file or directory';
  if (name.endsWith('/') || type === S_IFDIR) return undefined;
  if (raw.generalPurposeBitFlag & FLAG_ENCRYPTED) return 'encrypted';
  if (raw.compressionMethod !== 0 && raw.compressionMethod !== 8) return `compression method ${raw.compressionMethod} is not supported (only stored and deflate)`;
  if (raw.compressionMethod === 0 && raw.compressedSize !== raw.uncompressedSize) return `stored with two sizes (${raw.compressedSize} and ${raw.uncompressedSize})`;
  if (Math.max(raw.uncompressedSize, raw.compressedSize) > maxEntrySize && raw.compressionMethod === 8)
    return `larger than maxEntrySize (${raw.uncompressedSize} > ${maxEntrySize} bytes)`;
  return undefined;
}

/**
 * Why a name is unsafe, or undefined. Only names that are already clean relative paths are served:
 * no leading `/`, no drive letter, no backslash (a separator on Windows), no NUL, no empty, `.` or
 * `..` segment. Anything else would have to be rewritten to be served, and the rewrite could land
 * on another path of the tree (or, extracted elsewhere, outside it).
 */
function unsafeName(name: string): string | undefined {
  if (name === '' || name === '/') return 'empty name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  const bare = name.endsWith('/') ? name.slice(0, -1) : name;
  if (bare.split('/').includes('..')) return "'..' in path";
  if (cleanPath('/' + bare) !== '/' + bare) return 'not a clean path (empty or . segment)';
  return undefined;
}

function unixType(raw: Entry): number {
  return raw.versionMadeBy >> 8 === MADE_BY_UNIX ? (raw.externalFileAttributes >>> 16) & S_IFMT : 0;
}

// The extended timestamp (whole seconds, UTC) when present, else the DOS time (2 s, local time).
function entryTime(raw: Entry, fallback: number): number {
  const ms = Math.floor(raw.getLastModDate().getTime());
  return Number.isFinite(ms) ? ms : fallback;
}
