import { hasBytes } from '../capabilities/bytes.js';
import { hasCloseSync } from '../capabilities/close-sync.js';
import { hasStatSync } from '../capabilities/stat-sync.js';
import { hasTryOpen } from '../capabilities/try-open.js';
import { hasTryOpenSync } from '../capabilities/try-open-sync.js';
import { hasTryStat } from '../capabilities/try-stat.js';
import { isFsError } from '../errors.js';
import type { File } from '../types.js';
import { describeError, sameBytes, sameInfo } from './compare.js';
import { expectCode, pathsOf, type CheckContext } from './context.js';

const misses = ['/does-not-exist', '/does-not-exist/deeper'];

/** `bytes()` of files from `open()`, where offered: the whole content, the same on a second call. */
export async function checkBytes(ctx: CheckContext): Promise<string | void> {
  let offered = 0;
  for (const path of pathsOf(ctx, 'file')) {
    const file = await ctx.fs.open(path);
    try {
      if (!hasBytes(file)) continue;
      offered++;
      const want = ctx.tree.get(path)!.bytes!;
      sameBytes(ctx.fail, `open(${path}).bytes()`, file.bytes(), want);
      sameBytes(ctx.fail, `open(${path}).bytes() called again`, file.bytes(), want);
    } finally {
      await file.close();
    }
  }
  if (offered === 0) return 'backend does not offer bytes()';
}

/** `closeSync()`, where offered on files from `open()` or `tryOpenSync()`, closes at once. */
export async function checkCloseSyncs(ctx: CheckContext): Promise<string | void> {
  let offered = 0;
  for (const path of ctx.tree.keys()) {
    offered += await checkCloseSync(ctx, await ctx.fs.open(path), `open(${path})`);
    if (hasTryOpenSync(ctx.fs)) offered += await checkCloseSync(ctx, ctx.fs.tryOpenSync(path), `tryOpenSync(${path})`);
  }
  if (offered === 0) return 'backend does not offer closeSync()';
}

// Closing twice is harmless, the file answers EBADF right after, and close() afterwards is harmless too.
async function checkCloseSync(ctx: CheckContext, file: File | undefined, what: string): Promise<number> {
  if (file === undefined) return 0;
  if (!hasCloseSync(file)) {
    await file.close();
    return 0;
  }
  try {
    file.closeSync();
    file.closeSync();
  } catch (err) {
    ctx.fail(`${what}.closeSync(): threw ${describeError(err)}, want nothing`);
    return 1;
  }
  try {
    if (hasStatSync(file)) file.statSync();
    else await file.stat();
    ctx.fail(`${what}.${hasStatSync(file) ? 'statSync' : 'stat'}() after closeSync: succeeded, want EBADF`);
  } catch (err) {
    if (!isFsError(err, 'EBADF')) ctx.fail(`${what}.stat() after closeSync: ${describeError(err)}, want EBADF`);
  }
  await file.close().catch((err: unknown) => ctx.fail(`${what}.close() after closeSync: ${describeError(err)}, want harmless`));
  return 1;
}

/** The backend's own `tryOpen()`: every path opens with the right info, a miss is `undefined`, a NUL is EINVAL. */
export async function checkTryOpen(ctx: CheckContext): Promise<string | void> {
  const { fs, fail } = ctx;
  if (!hasTryOpen(fs)) return 'backend does not offer tryOpen()';
  for (const [path, expected] of ctx.tree) {
    const file = await fs.tryOpen(path);
    if (!file) {
      fail(`tryOpen ${path}: undefined for an existing path`);
      continue;
    }
    try {
      sameInfo(fail, `tryOpen(${path}).stat`, await file.stat(), expected.info, ctx.mtime);
    } finally {
      await file.close();
    }
  }
  for (const path of misses) {
    const got = await fs.tryOpen(path).catch((err: unknown) => err);
    if (got !== undefined) fail(`tryOpen ${path}: ${got instanceof Error ? describeError(got) : 'found a missing path'}, want undefined`);
  }
  await expectCode(fail, 'tryOpen "/hello\\0.txt"', ['EINVAL'], () => fs.tryOpen('/hello\0.txt'));
}

/** The backend's own `tryStat()`: every path has the right info, a miss is `undefined`, a NUL is EINVAL. */
export async function checkTryStat(ctx: CheckContext): Promise<string | void> {
  const { fs, fail } = ctx;
  if (!hasTryStat(fs)) return 'backend does not offer tryStat()';
  for (const [path, expected] of ctx.tree) {
    const info = await fs.tryStat(path);
    if (info) sameInfo(fail, `tryStat ${path}`, info, expected.info, ctx.mtime);
    else fail(`tryStat ${path}: undefined for an existing path`);
  }
  for (const path of misses) {
    const got = await fs.tryStat(path).catch((err: unknown) => err);
    if (got !== undefined) fail(`tryStat ${path}: ${got instanceof Error ? describeError(got) : 'found a missing path'}, want undefined`);
  }
  await expectCode(fail, 'tryStat "/hello\\0.txt"', ['EINVAL'], () => fs.tryStat('/hello\0.txt'));
}
