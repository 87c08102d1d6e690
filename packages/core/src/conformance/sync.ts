import { hasBytes } from '../capabilities/bytes.js';
import { hasStatSync } from '../capabilities/stat-sync.js';
import { hasTryOpenSync } from '../capabilities/try-open-sync.js';
import { isFsError } from '../errors.js';
import type { File } from '../types.js';
import { describeError, sameBytes, sameInfo } from './compare.js';
import type { CheckContext } from './context.js';

/**
 * Checks {@link FileSystem.tryOpenSync} against the tree: every path opens with a `statSync` that
 * agrees, `bytes()` (where offered) is the content, misses are `undefined`, a NUL is EINVAL, a
 * climb never reaches the secret, and a closed file answers EBADF.
 */
export async function checkSyncOpen(ctx: CheckContext): Promise<string | void> {
  const { fs, tree, fail, secret } = ctx;
  if (!hasTryOpenSync(fs)) return 'backend does not offer tryOpenSync()';
  const open = (path: string): File | undefined | Error => {
    try {
      return fs.tryOpenSync(path);
    } catch (err) {
      return err as Error;
    }
  };
  for (const [path, expected] of tree) {
    const file = open(path);
    if (file instanceof Error || file === undefined) {
      fail(`tryOpenSync ${path}: ${file === undefined ? 'undefined for an existing path' : describeError(file)}`);
      continue;
    }
    try {
      if (!hasStatSync(file)) fail(`tryOpenSync ${path}: the file has no statSync()`);
      else sameInfo(fail, `tryOpenSync(${path}).statSync()`, file.statSync(), expected.info, ctx.mtime);
      if (hasBytes(file) && !expected.info.isDirectory) sameBytes(fail, `tryOpenSync(${path}).bytes()`, file.bytes(), expected.bytes!);
    } finally {
      await file.close();
    }
    if (!expected.info.isDirectory) {
      const child = open(`${path}/child`);
      if (child !== undefined && !isFsError(child, 'ENOTDIR', 'ENOENT')) {
        fail(`tryOpenSync ${path}/child: ${child instanceof Error ? describeError(child) : 'found'}, want undefined`);
      }
    }
  }
  for (const path of ['/does-not-exist', '/does-not-exist/deeper', `/missing-${Date.now()}.txt`]) {
    const got = open(path);
    if (got !== undefined) fail(`tryOpenSync ${path}: ${got instanceof Error ? describeError(got) : 'found a missing path'}, want undefined`);
  }
  const nul = open('/hello\0.txt');
  if (!isFsError(nul, 'EINVAL'))
    fail(`tryOpenSync "/hello\\0.txt": ${nul instanceof Error ? describeError(nul) : nul === undefined ? 'undefined' : 'opened a file'}, want FsError EINVAL`);
  if (secret) {
    for (const climb of [`/../${secret.name}`, `/../../${secret.name}`, `/a/../../${secret.name}`]) {
      const got = open(climb);
      if (got === undefined || got instanceof Error) continue;
      try {
        if (hasBytes(got) && Buffer.from(got.bytes()).includes(Buffer.from(secret.bytes))) fail(`tryOpenSync ${JSON.stringify(climb)}: served the secret from outside the root`);
      } finally {
        await got.close();
      }
    }
  }
  const some = [...tree.keys()].find((p) => !tree.get(p)!.info.isDirectory);
  const closed = some === undefined ? undefined : open(some);
  if (closed !== undefined && !(closed instanceof Error)) {
    await closed.close();
    try {
      await statOf(closed);
      fail(`tryOpenSync(${some}).statSync() after close: succeeded, want EBADF`);
    } catch (err) {
      if (!isFsError(err, 'EBADF')) fail(`tryOpenSync(${some}).statSync() after close: ${describeError(err)}, want EBADF`);
    }
  }
}

// A file without statSync has already been reported; its stat() still shows whether it is closed.
async function statOf(file: File): Promise<unknown> {
  return hasStatSync(file) ? file.statSync() : await file.stat();
}
