import { readAll } from '../capabilities/bytes.js';
import type { File } from '../types.js';
import { describeError, sameBytes, sameInfo } from './compare.js';
import { expectCode, pathsOf, sameListing, type CheckContext } from './context.js';
import type { ExpectedEntry } from './truth.js';

/** Every path of the tree: stat, open, stat of the open file, its listing or its bytes read in every way. */
export async function checkEntries(ctx: CheckContext): Promise<void> {
  for (const [path, expected] of ctx.tree) {
    try {
      await checkEntry(ctx, path, expected);
    } catch (err) {
      ctx.fail(`checking ${path}: unexpected ${describeError(err)}`);
    }
  }
}

async function checkEntry(ctx: CheckContext, path: string, expected: ExpectedEntry): Promise<void> {
  sameInfo(ctx.fail, `stat ${path}`, await ctx.fs.stat(path), expected.info, ctx.mtime);
  const file = await ctx.fs.open(path);
  try {
    sameInfo(ctx.fail, `open(${path}).stat`, await file.stat(), expected.info, ctx.mtime);
    if (expected.info.isDirectory) await checkDirectory(ctx, file, path, expected);
    else await checkFile(ctx, file, path, expected.bytes!);
  } finally {
    await file.close();
  }
}

async function checkDirectory(ctx: CheckContext, dir: File, path: string, expected: ExpectedEntry): Promise<void> {
  await expectCode(ctx.fail, `read of directory ${path}`, ['EISDIR'], () => dir.read(new Uint8Array(8), 0));
  if (!expected.children) return;
  sameListing(ctx, `readdir ${path}`, await ctx.fs.readdir(path), expected.children);
  sameListing(ctx, `open(${path}).readdir`, await dir.readdir(), expected.children);
}

async function checkFile(ctx: CheckContext, file: File, path: string, want: Uint8Array): Promise<void> {
  const { fs, fail } = ctx;
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

/** Many files open at once, read in parallel: each gets its own bytes. */
export async function checkConcurrentOpens(ctx: CheckContext, count: number): Promise<string | void> {
  const files = pathsOf(ctx, 'file');
  if (files.length === 0) return 'the tree has no file';
  const picks = Array.from({ length: count }, (_, i) => files[i % files.length]!);
  const opened = await Promise.all(picks.map((path) => ctx.fs.open(path)));
  try {
    const contents = await Promise.all(opened.map((f) => readAll(f)));
    contents.forEach((bytes, i) => sameBytes(ctx.fail, `concurrent read ${picks[i]!}`, bytes, ctx.tree.get(picks[i]!)!.bytes!));
  } finally {
    await Promise.all(opened.map((f) => f.close()));
  }
}

/** A closed file answers EBADF, and closing it again is harmless. */
export async function checkUseAfterClose(ctx: CheckContext): Promise<string | void> {
  const path = pathsOf(ctx, 'file').find((p) => ctx.tree.get(p)!.info.size > 0);
  if (!path) return 'the tree has no file with content';
  const file = await ctx.fs.open(path);
  await file.close();
  await file.close().catch((err: unknown) => ctx.fail(`second close of ${path}: ${describeError(err)}`));
  await expectCode(ctx.fail, `read after close of ${path}`, ['EBADF'], () => file.read(new Uint8Array(4), 0));
  await expectCode(ctx.fail, `stat after close of ${path}`, ['EBADF'], () => file.stat());
}
