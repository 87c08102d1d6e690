import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readAll } from '../capabilities/bytes.js';
import { tryOpen } from '../capabilities/try-open.js';
import { hasTryOpenSync } from '../capabilities/try-open-sync.js';
import { tryStat } from '../capabilities/try-stat.js';
import { isFsError } from '../errors.js';
import { describeError, sameBytes, sameInfo } from './compare.js';
import { checkSyncOpen } from './sync.js';
import { compareNames } from '../path.js';
import type { File, FileInfo, FileSystem } from '../types.js';
import { readExpectedTree, readHiddenPaths, type ExpectedEntry } from './truth.js';

/** Options of {@link checkFileSystem}. */
export interface CheckOptions {
  /** Host path of a file outside the root whose bytes must never be served (see {@link createFixture}). */
  secretPath?: string;
  /** How many files to hold open at once in the concurrency check; default 64. */
  concurrentOpens?: number;
}

/**
 * Checks a backend against the directory on disk it serves, like Go's `testing/fstest.TestFS`.
 * Resolves to a list of precise failures: empty means the backend conforms. Never throws for a
 * failing backend, so it fits any test runner:
 *
 * @example
 * ```ts
 * const fixture = await createFixture();
 * const fs = new DiskFS(fixture.root);
 * expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
 * ```
 */
export async function checkFileSystem(fs: FileSystem, hostRoot: string, options: CheckOptions = {}): Promise<string[]> {
  const failures: string[] = [];
  const fail = (message: string) => failures.push(message);
  const tree = readExpectedTree(hostRoot);
  const secret = options.secretPath ? readExpectedSecret(options.secretPath) : undefined;

  for (const [path, expected] of tree) {
    await guard(fail, `checking ${path}`, () => checkEntry(fs, path, expected, fail));
  }
  await guard(fail, 'checking missing paths', () => checkMissing(fs, tree, fail));
  await guard(fail, 'checking hidden paths', () => checkHidden(fs, readHiddenPaths(hostRoot), fail));
  await guard(fail, 'checking odd paths', () => checkOddPaths(fs, tree, fail, secret));
  await guard(fail, 'checking concurrent opens', () => checkConcurrentOpens(fs, tree, fail, options.concurrentOpens ?? 64));
  await guard(fail, 'checking use after close', () => checkUseAfterClose(fs, tree, fail));
  if (hasTryOpenSync(fs)) await guard(fail, 'checking tryOpenSync', async () => checkSyncOpen(fs, tree, fail, secret));
  return failures;
}

/** Like {@link checkFileSystem}, but throws one Error listing every failure. */
export async function assertFileSystem(fs: FileSystem, hostRoot: string, options: CheckOptions = {}): Promise<void> {
  const failures = await checkFileSystem(fs, hostRoot, options);
  if (failures.length > 0) throw new Error(`file system does not conform (${failures.length} failures):\n  ${failures.join('\n  ')}`);
}

async function guard(fail: (m: string) => void, what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    fail(`${what}: unexpected ${describeError(err)}`);
  }
}

/** Runs `call` and reports unless it rejects with an FsError carrying one of `codes`. */
async function expectCode(fail: (m: string) => void, what: string, codes: string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    fail(`${what}: succeeded, want ${codes.join(' or ')}`);
  } catch (err) {
    if (!isFsError(err)) fail(`${what}: threw ${describeError(err)}, want FsError ${codes.join(' or ')}`);
    else if (!codes.includes(err.code)) fail(`${what}: FsError ${err.code}, want ${codes.join(' or ')}`);
  }
}

function sameListing(fail: (m: string) => void, what: string, got: FileInfo[], want: FileInfo[]): void {
  const names = got.map((i) => i.name);
  if (names.includes('.') || names.includes('..')) fail(`${what}: lists '.' or '..'`);
  const sorted = [...names].sort(compareNames);
  if (names.join('\0') !== sorted.join('\0')) fail(`${what}: not sorted by name: ${JSON.stringify(names)}`);
  const wantNames = want.map((i) => i.name);
  if (names.join('\0') !== wantNames.join('\0')) return void fail(`${what}: lists ${JSON.stringify(names)}, want ${JSON.stringify(wantNames)}`);
  got.forEach((info, i) => sameInfo(fail, `${what} entry ${info.name}`, info, want[i]!));
}

async function checkEntry(fs: FileSystem, path: string, expected: ExpectedEntry, fail: (m: string) => void): Promise<void> {
  sameInfo(fail, `stat ${path}`, await fs.stat(path), expected.info);
  const found = await tryStat(fs, path);
  if (!found) fail(`tryStat ${path}: undefined for an existing path`);
  const file = await fs.open(path);
  try {
    sameInfo(fail, `open(${path}).stat`, await file.stat(), expected.info);
    if (expected.info.isDirectory) await checkDirectory(fs, file, path, expected, fail);
    else await checkFile(fs, file, path, expected.bytes!, fail);
  } finally {
    await file.close();
  }
}

async function checkDirectory(fs: FileSystem, dir: File, path: string, expected: ExpectedEntry, fail: (m: string) => void): Promise<void> {
  await expectCode(fail, `read of directory ${path}`, ['EISDIR'], () => dir.read(new Uint8Array(8), 0));
  if (!expected.children) return;
  sameListing(fail, `readdir ${path}`, await fs.readdir(path), expected.children);
  sameListing(fail, `open(${path}).readdir`, await dir.readdir(), expected.children);
}

async function checkFile(fs: FileSystem, file: File, path: string, want: Uint8Array, fail: (m: string) => void): Promise<void> {
  const size = want.length;
  await expectCode(fail, `readdir of file ${path}`, ['ENOTDIR'], () => fs.readdir(path));
  await expectCode(fail, `open(${path}).readdir`, ['ENOTDIR'], () => file.readdir());
  await expectCode(fail, `open ${path}/child`, ['ENOTDIR', 'ENOENT'], () => fs.open(`${path}/child`));
  await expectCode(fail, `stat ${path}/child`, ['ENOTDIR', 'ENOENT'], () => fs.stat(`${path}/child`));
  sameBytes(fail, `readAll ${path}`, await readAll(file), want);
  const chunked = await readInChunks(file, 64 * 1024 + 3, size);
  if (chunked) sameBytes(fail, `read loop ${path}`, chunked, want);
  else fail(`read loop ${path}: returned bytes past the end (size ${size})`);
  // One buffer larger than the file: a single read may return fewer bytes, never more.
  const big = new Uint8Array(size + 100);
  const n = await file.read(big, 0);
  if (n < 0 || n > size || (size > 0 && n === 0)) fail(`read ${path} at 0 into ${big.length} bytes: returned ${n}`);
  else sameBytes(fail, `read ${path} at 0 into a larger buffer`, big.subarray(0, n), want.subarray(0, n));
  const middle = Math.floor(size / 2);
  const part = new Uint8Array(Math.min(1000, size - middle));
  const m = await file.read(part, middle);
  sameBytes(fail, `read ${path} at middle offset ${middle}`, part.subarray(0, m), want.subarray(middle, middle + m));
  if (part.length > 0 && m === 0) fail(`read ${path} at middle offset ${middle}: returned 0 before the end`);
  for (const position of [size, size + 1, size + 1_000_000]) {
    const got = await file.read(new Uint8Array(16), position);
    if (got !== 0) fail(`read ${path} at ${position} (size ${size}): returned ${got}, want 0`);
  }
  if ((await file.read(new Uint8Array(0), 0)) !== 0) fail(`read ${path} into an empty buffer: not 0`);
}

/** Reads until `read` returns 0; undefined when it yields bytes past `size` (a backend that never ends). */
async function readInChunks(file: File, chunk: number, size: number): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let position = 0;
  for (;;) {
    if (position > size) return undefined;
    const buf = new Uint8Array(chunk);
    const n = await file.read(buf, position);
    if (n === 0) break;
    parts.push(buf.subarray(0, n));
    position += n;
  }
  return Buffer.concat(parts);
}

async function checkMissing(fs: FileSystem, tree: Map<string, ExpectedEntry>, fail: (m: string) => void): Promise<void> {
  const missing = ['/does-not-exist', '/does-not-exist/deeper', `/missing-${Date.now()}.txt`];
  const dir = [...tree.keys()].find((p) => p !== '/' && tree.get(p)!.info.isDirectory);
  if (dir) missing.push(`${dir}/does-not-exist`);
  for (const path of missing) {
    await expectCode(fail, `open ${path}`, ['ENOENT'], () => fs.open(path));
    await expectCode(fail, `stat ${path}`, ['ENOENT'], () => fs.stat(path));
    await expectCode(fail, `readdir ${path}`, ['ENOENT'], () => fs.readdir(path));
    if ((await tryOpen(fs, path)) !== undefined) fail(`tryOpen ${path}: found a missing path`);
    if ((await tryStat(fs, path)) !== undefined) fail(`tryStat ${path}: found a missing path`);
  }
}

// What exists on disk but must not be served (links out of the root, dangling links, FIFOs) looks missing.
async function checkHidden(fs: FileSystem, hidden: string[], fail: (m: string) => void): Promise<void> {
  for (const path of hidden) {
    await expectCode(fail, `open ${path} (hidden on disk)`, ['ENOENT', 'ENOTDIR'], () => fs.open(path));
    await expectCode(fail, `stat ${path} (hidden on disk)`, ['ENOENT', 'ENOTDIR'], () => fs.stat(path));
    if ((await tryOpen(fs, path)) !== undefined) fail(`tryOpen ${path}: found a path hidden on disk`);
    let synced: unknown;
    try {
      synced = hasTryOpenSync(fs) ? fs.tryOpenSync(path) : undefined;
    } catch (err) {
      synced = err;
    }
    if (synced !== undefined && !isFsError(synced, 'ENOENT', 'ENOTDIR')) fail(`tryOpenSync ${path}: found a path hidden on disk`);
  }
}

async function checkOddPaths(fs: FileSystem, tree: Map<string, ExpectedEntry>, fail: (m: string) => void, secret?: { name: string; bytes: Uint8Array }): Promise<void> {
  const file = [...tree.keys()].find((p) => p !== '/' && !tree.get(p)!.info.isDirectory && p.lastIndexOf('/') === 0);
  if (file) {
    const name = file.slice(1);
    for (const odd of [`//${name}`, `/./${name}`, `/../${name}`, `/../../${name}`, `/x/../${name}`, `/x/y/../../../${name}`, `${name}`, `${file}/`, `${file}/.`]) {
      const info = await fs.stat(odd).catch((err: unknown) => err);
      if (info instanceof Error) fail(`stat ${JSON.stringify(odd)}: ${describeError(info)}, want the same as ${file}`);
      else sameInfo(fail, `stat ${JSON.stringify(odd)}`, info as FileInfo, tree.get(file)!.info);
    }
  }
  for (const nul of ['/\0', `/hello\0.txt`, `${file ?? '/x'}\0`]) {
    await expectCode(fail, `open ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.open(nul));
    await expectCode(fail, `stat ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.stat(nul));
    await expectCode(fail, `readdir ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.readdir(nul));
  }
  if (!secret) return;
  // The root's parent holds the secret: no spelling of a climb may reach it.
  for (const climb of [`/../${secret.name}`, `/../../${secret.name}`, `/a/../../${secret.name}`, `/..//${secret.name}`, `..${'/..'.repeat(20)}/${secret.name}`]) {
    const opened = await fs.open(climb).catch(() => undefined);
    if (!opened) continue;
    try {
      if (!(await opened.stat()).isDirectory) {
        const bytes = await readAll(opened);
        if (Buffer.from(bytes).includes(Buffer.from(secret.bytes))) fail(`open ${JSON.stringify(climb)}: served the secret from outside the root`);
      }
    } finally {
      await opened.close();
    }
  }
}

function readExpectedSecret(path: string): { name: string; bytes: Uint8Array } {
  return { name: basename(path), bytes: readFileSync(path) };
}

async function checkConcurrentOpens(fs: FileSystem, tree: Map<string, ExpectedEntry>, fail: (m: string) => void, count: number): Promise<void> {
  const files = [...tree].filter(([, e]) => !e.info.isDirectory);
  if (files.length === 0) return;
  const picks = Array.from({ length: count }, (_, i) => files[i % files.length]!);
  const opened = await Promise.all(picks.map(([path]) => fs.open(path)));
  try {
    const contents = await Promise.all(opened.map((f) => readAll(f)));
    contents.forEach((bytes, i) => sameBytes(fail, `concurrent read ${picks[i]![0]}`, bytes, picks[i]![1].bytes!));
  } finally {
    await Promise.all(opened.map((f) => f.close()));
  }
}

async function checkUseAfterClose(fs: FileSystem, tree: Map<string, ExpectedEntry>, fail: (m: string) => void): Promise<void> {
  const path = [...tree.keys()].find((p) => !tree.get(p)!.info.isDirectory && tree.get(p)!.info.size > 0);
  if (!path) return;
  const file = await fs.open(path);
  await file.close();
  await file.close().catch((err: unknown) => fail(`second close of ${path}: ${describeError(err)}`));
  await expectCode(fail, `read after close of ${path}`, ['EBADF'], () => file.read(new Uint8Array(4), 0));
  await expectCode(fail, `stat after close of ${path}`, ['EBADF'], () => file.stat());
}
