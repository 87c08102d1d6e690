/**
 * Resolving a request against a FileSystem: the only module of the core that awaits the backend.
 * It turns a request-target into a {@link Plan} plus the open file the plan's body reads from.
 * @module
 */
import { cleanPath, joinPath, tryOpen, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { SNIFF_LENGTH, sniffContentType } from './content-type.js';
import { decodeTarget, dotSegments, isDotName } from './decode-path.js';
import { listingHtml, listingJson, wantsJson } from './listing.js';
import { absoluteLocation, directoryLocation, fileLocation, relativeLocation } from './location.js';
import type { ResolvedOptions } from './options.js';
import { errorPlan, fileMeta, planFile, planListing, redirectPlan, statusForCode, type FileMeta, type Plan, type RequestFacts } from './respond.js';

/** Per-handler state shared by all requests. */
export interface ServeContext {
  fs: FileSystem;
  options: ResolvedOptions;
  /** Headers per file version: a hit whenever the backend hands out the same FileInfo object again. */
  cache: WeakMap<FileInfo, FileMeta>;
  /** Boundary of multipart/byteranges bodies. */
  boundary: string;
}

/** Throws a TypeError unless `fs` looks like a FileSystem: a wrong argument should fail at startup. */
export function checkFileSystem(fs: unknown): asserts fs is FileSystem {
  const f = fs as FileSystem | null;
  if (f === null || typeof f !== 'object' || typeof f.open !== 'function' || typeof f.stat !== 'function' || typeof f.readdir !== 'function') {
    throw new TypeError('a FileSystem is required (an object with open, stat, readdir and close)');
  }
}

/**
 * The outcome for one request. When `file` is set, the caller sends `plan.body` from it and then
 * closes it; `error` is the internal cause of a 5xx, for the log only.
 */
export interface Served {
  plan: Plan;
  file: File | undefined;
  error?: unknown;
}

/**
 * Serves a GET or HEAD of `target` (the raw request-target, decoded here exactly once). Never
 * rejects: backend failures become error plans.
 */
export async function serve(ctx: ServeContext, facts: RequestFacts, target: string): Promise<Served> {
  const decoded = decodeTarget(target);
  if (decoded === undefined) return { plan: errorPlan(400), file: undefined };
  const o = ctx.options;
  let path = decoded.path;
  if (o.prefix !== '') {
    if (path === o.prefix) return { plan: redirectPlan(directoryLocation(path, decoded.query)), file: undefined };
    if (!path.startsWith(o.prefix) || path.charCodeAt(o.prefix.length) !== 47) return { plan: errorPlan(404), file: undefined };
    path = path.slice(o.prefix.length);
  }
  if (decoded.dotSegment) {
    const dots = dotSegments(path);
    if (dots === 'dotdot') return { plan: errorPlan(400), file: undefined };
    if (dots === 'dotfile' && o.dotfiles !== 'allow') return { plan: errorPlan(o.dotfiles === 'deny' ? 403 : 404), file: undefined };
  }
  // Go redirects ".../index.html" to "./" before looking anything up.
  for (const name of o.index) {
    if (path.endsWith(name) && path.charCodeAt(path.length - name.length - 1) === 47) {
      const dir = path.slice(0, path.length - name.length);
      const location = isCanonical(dir, '/') ? relativeLocation('./', decoded.query) : absoluteLocation(`${o.prefix}${cleanPath(dir)}/`, decoded.query);
      return { plan: redirectPlan(location), file: undefined };
    }
  }

  let file: File | undefined;
  try {
    file = await tryOpen(ctx.fs, path);
    if (file === undefined) return { plan: errorPlan(404), file: undefined };
    const info = await file.stat();
    const slash = path.charCodeAt(path.length - 1) === 47;
    if (info.isDirectory) {
      if (!slash) return closing(file, redirectPlan(isCanonical(path, '') ? directoryLocation(path, decoded.query) : absoluteLocation(`${o.prefix}${cleanPath(path)}/`, decoded.query)));
      const dir = file;
      file = undefined;
      return await serveDirectory(ctx, facts, dir, info, path);
    }
    if (slash) return closing(file, redirectPlan(isCanonical(path, '/') ? fileLocation(path, decoded.query) : absoluteLocation(o.prefix + cleanPath(path), decoded.query)));
    return { plan: await planFor(ctx, facts, file, info), file };
  } catch (error) {
    if (file !== undefined) void file.close().catch(ignore);
    return { plan: errorPlan(statusForCode((error as { code?: string } | null)?.code)), file: undefined, error };
  }
}

async function planFor(ctx: ServeContext, facts: RequestFacts, file: File, info: FileInfo): Promise<Plan> {
  let meta = ctx.cache.get(info);
  if (meta === undefined) {
    meta = fileMeta(info, ctx.options);
    ctx.cache.set(info, meta);
  }
  const plan = planFile(facts, meta, ctx.boundary);
  if (plan.needsType !== true) return plan;
  // Unknown extension: sniff once per version (a view for zero-copy backends, one small read otherwise).
  const head = file.bytes ? file.bytes().subarray(0, SNIFF_LENGTH) : await readHead(file, Math.min(info.size, SNIFF_LENGTH));
  meta = fileMeta(info, ctx.options, sniffContentType(head));
  ctx.cache.set(info, meta);
  return planFile(facts, meta, ctx.boundary);
}

async function readHead(file: File, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf.subarray(filled), filled);
    if (n === 0) break;
    filled += n;
  }
  return buf.subarray(0, filled);
}

async function serveDirectory(ctx: ServeContext, facts: RequestFacts, dir: File, info: FileInfo, path: string): Promise<Served> {
  const o = ctx.options;
  let clean: string;
  try {
    clean = cleanPath(path);
    for (const name of o.index) {
      const index = await tryOpen(ctx.fs, joinPath(clean, name));
      if (index === undefined) continue;
      let indexInfo: FileInfo;
      try {
        indexInfo = await index.stat();
      } catch (error) {
        void index.close().catch(ignore);
        throw error;
      }
      if (indexInfo.isDirectory) {
        void index.close().catch(ignore);
        continue;
      }
      void dir.close().catch(ignore);
      try {
        return { plan: await planFor(ctx, facts, index, indexInfo), file: index };
      } catch (error) {
        void index.close().catch(ignore);
        throw error;
      }
    }
    if (!o.listing) return closing(dir, errorPlan(404));
    let entries = await dir.readdir();
    if (o.dotfiles !== 'allow') entries = entries.filter((e) => !isDotName(e.name));
    void dir.close().catch(ignore);
    const json = wantsJson(facts.accept);
    const shown = displayPath(o.prefix, clean);
    const body = json ? listingJson(shown, entries) : listingHtml(shown, entries, clean !== '/');
    return { plan: planListing(facts, info, json, body, o), file: undefined };
  } catch (error) {
    void dir.close().catch(ignore);
    throw error;
  }
}

// The path as the visitor sees it in the address bar (prefix included), for the page title.
function displayPath(prefix: string, clean: string): string {
  return prefix + (clean === '/' ? '/' : clean + '/');
}

// Go's relative redirects are right only for a path spelled canonically (plus `suffix`).
function isCanonical(path: string, suffix: string): boolean {
  const clean = cleanPath(path);
  return path === (clean === '/' ? '/' : clean + suffix);
}

function closing(file: File, plan: Plan): Served {
  void file.close().catch(ignore);
  return { plan, file: undefined };
}

function ignore(): void {}
