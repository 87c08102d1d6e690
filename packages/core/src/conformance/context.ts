import { isFsError } from '../errors.js';
import { compareNames } from '../path.js';
import type { FileInfo, FileSystem } from '../types.js';
import { describeError, sameInfo, type MtimeCheck } from './compare.js';
import type { ExpectedEntry } from './truth.js';

/** A file outside the root whose bytes no backend may serve. */
interface Secret {
  name: string;
  bytes: Uint8Array;
}

/** What every check is given: the backend, the tree it must present, and where failures go. */
export interface CheckContext {
  fs: FileSystem;
  tree: Map<string, ExpectedEntry>;
  fail: (message: string) => void;
  mtime: MtimeCheck;
  /** The host directory the tree was read from, when it was one. */
  hostRoot?: string;
  secret?: Secret;
}

/** Runs `call` and reports unless it rejects with an FsError carrying one of `codes`. */
export async function expectCode(fail: (m: string) => void, what: string, codes: string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    fail(`${what}: succeeded, want ${codes.join(' or ')}`);
  } catch (err) {
    if (!isFsError(err)) fail(`${what}: threw ${describeError(err)}, want FsError ${codes.join(' or ')}`);
    else if (!codes.includes(err.code)) fail(`${what}: FsError ${err.code}, want ${codes.join(' or ')}`);
  }
}

/** Compares a listing with the expected children: names, order, no `.`/`..`, and each entry's info. */
export function sameListing(ctx: CheckContext, what: string, got: FileInfo[], want: FileInfo[]): void {
  const names = got.map((i) => i.name);
  if (names.includes('.') || names.includes('..')) ctx.fail(`${what}: lists '.' or '..'`);
  const sorted = [...names].sort(compareNames);
  if (names.join('\0') !== sorted.join('\0')) ctx.fail(`${what}: not sorted by name: ${JSON.stringify(names)}`);
  const wantNames = want.map((i) => i.name);
  if (names.join('\0') !== wantNames.join('\0')) return void ctx.fail(`${what}: lists ${JSON.stringify(names)}, want ${JSON.stringify(wantNames)}`);
  got.forEach((info, i) => sameInfo(ctx.fail, `${what} entry ${info.name}`, info, want[i]!, ctx.mtime));
}

/** The paths of the tree's files (or directories), in the tree's order. */
export function pathsOf(ctx: CheckContext, kind: 'file' | 'directory'): string[] {
  return [...ctx.tree].filter(([, e]) => e.info.isDirectory === (kind === 'directory')).map(([p]) => p);
}
