import { readAll } from '../capabilities/bytes.js';
import { tryOpen } from '../capabilities/try-open.js';
import { hasTryOpenSync } from '../capabilities/try-open-sync.js';
import { tryStat } from '../capabilities/try-stat.js';
import { isFsError } from '../errors.js';
import type { FileInfo } from '../types.js';
import { describeError, sameInfo } from './compare.js';
import { expectCode, pathsOf, type CheckContext } from './context.js';
import { readHiddenPaths } from './truth.js';

/** Paths that are not in the tree: ENOENT everywhere, and `undefined` from the try helpers. */
export async function checkMissing(ctx: CheckContext): Promise<void> {
  const { fs, fail } = ctx;
  const missing = ['/does-not-exist', '/does-not-exist/deeper', `/missing-${Date.now()}.txt`];
  const dir = pathsOf(ctx, 'directory').find((p) => p !== '/');
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
export async function checkHidden(ctx: CheckContext): Promise<string | void> {
  const { fs, fail } = ctx;
  if (ctx.hostRoot === undefined) return 'the expected tree is not a host directory';
  for (const path of readHiddenPaths(ctx.hostRoot)) {
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

/** Unclean spellings of a top-level file reach that file; a NUL byte is EINVAL. */
export async function checkOddPaths(ctx: CheckContext): Promise<void> {
  const { fs, fail } = ctx;
  const file = pathsOf(ctx, 'file').find((p) => p.lastIndexOf('/') === 0);
  if (file) {
    const name = file.slice(1);
    for (const odd of [`//${name}`, `/./${name}`, `/../${name}`, `/../../${name}`, `/x/../${name}`, `/x/y/../../../${name}`, `${name}`, `${file}/`, `${file}/.`]) {
      const info = await fs.stat(odd).catch((err: unknown) => err);
      if (info instanceof Error) fail(`stat ${JSON.stringify(odd)}: ${describeError(info)}, want the same as ${file}`);
      else sameInfo(fail, `stat ${JSON.stringify(odd)}`, info as FileInfo, ctx.tree.get(file)!.info, ctx.mtime);
    }
  }
  for (const nul of ['/\0', `/hello\0.txt`, `${file ?? '/x'}\0`]) {
    await expectCode(fail, `open ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.open(nul));
    await expectCode(fail, `stat ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.stat(nul));
    await expectCode(fail, `readdir ${JSON.stringify(nul)}`, ['EINVAL'], () => fs.readdir(nul));
  }
}

// The root's parent holds the secret: no spelling of a climb may reach it.
export async function checkClimbs(ctx: CheckContext): Promise<string | void> {
  const { secret } = ctx;
  if (!secret) return 'no secretPath given';
  for (const climb of [`/../${secret.name}`, `/../../${secret.name}`, `/a/../../${secret.name}`, `/..//${secret.name}`, `..${'/..'.repeat(20)}/${secret.name}`]) {
    const opened = await ctx.fs.open(climb).catch(() => undefined);
    if (!opened) continue;
    try {
      if (!(await opened.stat()).isDirectory) {
        const bytes = await readAll(opened);
        if (Buffer.from(bytes).includes(Buffer.from(secret.bytes))) ctx.fail(`open ${JSON.stringify(climb)}: served the secret from outside the root`);
      }
    } finally {
      await opened.close();
    }
  }
}
