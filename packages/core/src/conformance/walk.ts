import { hasWalk, walk, type WalkEntry } from '../capabilities/walk.js';
import { isFsError } from '../errors.js';
import { cleanPath } from '../path.js';
import { describeError, sameInfo } from './compare.js';
import { pathsOf, type CheckContext } from './context.js';

/**
 * The {@link walk} helper over the backend: the backend's own `walk()` where offered, else the
 * readdir fallback. Below the root and below each directory it yields every path of the tree once,
 * with the info the tree has (and, from a backend's own walk, the validators its `stat` gives); a
 * missing start is ENOENT, a file ENOTDIR.
 */
export async function checkWalk(ctx: CheckContext): Promise<string | void> {
  const { fs, tree, fail } = ctx;
  const own = hasWalk(fs);
  const what = own ? 'walk' : 'walk (readdir fallback)';
  for (const dir of pathsOf(ctx, 'directory')) {
    let entries: WalkEntry[];
    try {
      entries = await collect(fs, dir);
    } catch (err) {
      fail(`${what} ${dir}: ${describeError(err)}`);
      continue;
    }
    const below = [...tree.keys()].filter((p) => p !== dir && p.startsWith(dir === '/' ? '/' : `${dir}/`));
    const seen = new Set<string>();
    for (const { path, info } of entries) {
      if (typeof path !== 'string' || cleanPath(path) !== path) fail(`${what} ${dir}: entry path ${JSON.stringify(path)} is not a clean path`);
      else if (seen.has(path)) fail(`${what} ${dir}: yields ${path} twice`);
      else if (!tree.has(path) || !below.includes(path)) fail(`${what} ${dir}: yields ${path}, which is not below it in the tree`);
      else {
        sameInfo(fail, `${what} ${dir}: entry ${path}`, info, tree.get(path)!.info, ctx.mtime);
        if (own) await sameValidators(ctx, `${what} ${dir}: entry ${path}`, path, info);
      }
      seen.add(path);
    }
    const missing = below.filter((p) => !seen.has(p));
    if (missing.length > 0) fail(`${what} ${dir}: misses ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  await expectWalkCode(ctx, what, '/does-not-exist', ['ENOENT']);
  const file = pathsOf(ctx, 'file')[0];
  if (file !== undefined) await expectWalkCode(ctx, what, file, ['ENOTDIR']);
}

async function collect(fs: CheckContext['fs'], path: string): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const entry of walk(fs, path)) out.push(entry);
  return out;
}

// A backend's own walk must give what its stat gives, validators included: a mirror keys on them.
async function sameValidators(ctx: CheckContext, what: string, path: string, info: WalkEntry['info']): Promise<void> {
  const stat = await ctx.fs.stat(path);
  for (const key of ['etag', 'weakEtag'] as const) {
    if (info[key] !== stat[key]) ctx.fail(`${what}: ${key} is ${JSON.stringify(info[key])}, stat gives ${JSON.stringify(stat[key])}`);
  }
}

async function expectWalkCode(ctx: CheckContext, what: string, path: string, codes: string[]): Promise<void> {
  try {
    await collect(ctx.fs, path);
    ctx.fail(`${what} ${path}: succeeded, want ${codes.join(' or ')}`);
  } catch (err) {
    if (!isFsError(err, ...codes)) ctx.fail(`${what} ${path}: ${describeError(err)}, want FsError ${codes.join(' or ')}`);
  }
}
