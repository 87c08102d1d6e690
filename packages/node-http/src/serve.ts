/**
 * Resolving a request against a FileSystem: the only module of the core that awaits the backend.
 * It turns a request-target into a {@link Plan} plus the open file the plan's body reads from.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { cleanPath, joinPath, release, tryOpen, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { SNIFF_LENGTH, sniffContentType } from './content-type.js';
import { decodeTarget, dotSegments, isDotName } from './decode-path.js';
import { listingHtml, listingJson, wantsJson } from './listing.js';
import { absoluteLocation, directoryLocation, fileLocation, relativeLocation } from './location.js';
import { resolveOptions, type HandlerOptions, type ResolvedOptions } from './options.js';
import { errorPlan, fileMeta, planFile, planListing, redirectPlan, statusForCode, type FileMeta, type Plan, type RequestFacts } from './respond.js';

/** Per-handler state shared by all requests. */
export interface ServeContext {
  fs: FileSystem;
  options: ResolvedOptions;
  /** Headers per file version: a hit whenever the backend hands out the same FileInfo object again. */
  cache: WeakMap<FileInfo, FileMeta>;
  /** Headers per file version for backends that make a new FileInfo per call: keyed by name, mtime and ETag. */
  versions: Map<string, FileMeta>;
  /** Boundary of multipart/byteranges bodies. */
  boundary: string;
}

/** Most versions whose headers are kept for backends with a new FileInfo per call (a disk). */
export const MAX_VERSIONS = 10_000;

/** The state of one handler: the backend, checked options, empty header caches. */
export function createContext(fs: FileSystem, options: HandlerOptions | undefined): ServeContext {
  checkFileSystem(fs);
  return { fs, options: resolveOptions(options), cache: new WeakMap(), versions: new Map(), boundary: randomBytes(15).toString('hex') };
}

/** Throws a TypeError unless `fs` looks like a FileSystem: a wrong argument should fail at startup. */
function checkFileSystem(fs: unknown): asserts fs is FileSystem {
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

/** The answer to every miss: built once. */
const NOT_FOUND: Served = Object.freeze({ plan: errorPlan(404), file: undefined });

/** A request that names something to look up: the decoded path below the prefix, and the raw query. */
interface Route {
  path: string;
  query: string;
}

/**
 * Serves a GET or HEAD of `target` (the raw request-target, decoded here exactly once). Never
 * throws or rejects: backend failures become error plans. Synchronous whenever the backend offers
 * `tryOpenSync` and the answer needs no more I/O (files, misses, redirects): no promise at all.
 */
export function serve(ctx: ServeContext, facts: RequestFacts, target: string): Served | Promise<Served> {
  const routed = route(ctx, target);
  if ('plan' in routed) return routed;
  const fs = ctx.fs;
  if (fs.tryOpenSync === undefined) return serveAsync(ctx, facts, routed);
  let file: File | undefined;
  try {
    file = fs.tryOpenSync(routed.path);
    if (file === undefined) return NOT_FOUND;
    if (file.statSync === undefined) return resume(ctx, facts, file, undefined, routed);
    const info = file.statSync();
    return opened(ctx, facts, file, info, routed) ?? resume(ctx, facts, file, info, routed);
  } catch (error) {
    return failed(file, error);
  }
}

async function serveAsync(ctx: ServeContext, facts: RequestFacts, routed: Route): Promise<Served> {
  let file: File | undefined;
  try {
    file = await tryOpen(ctx.fs, routed.path);
  } catch (error) {
    return failed(undefined, error);
  }
  if (file === undefined) return NOT_FOUND;
  return resume(ctx, facts, file, undefined, routed);
}

// Decoding, the prefix, dot segments and Go's index.html redirect: everything before the lookup.
function route(ctx: ServeContext, target: string): Served | Route {
  const decoded = decodeTarget(target);
  if (decoded === undefined) return { plan: errorPlan(400), file: undefined };
  const o = ctx.options;
  let path = decoded.path;
  if (o.prefix !== '') {
    if (path === o.prefix) return { plan: redirectPlan(directoryLocation(path, decoded.query)), file: undefined };
    if (!path.startsWith(o.prefix) || path.charCodeAt(o.prefix.length) !== 47) return NOT_FOUND;
    path = path.slice(o.prefix.length);
  }
  if (decoded.dotSegment) {
    const dots = dotSegments(path);
    if (dots === 'dotdot') return { plan: errorPlan(400), file: undefined };
    if (dots === 'dotfile' && o.dotfiles !== 'allow') return { plan: errorPlan(o.dotfiles === 'deny' ? 403 : 404), file: undefined };
  }
  // Go redirects ".../index.html" to "./" before looking anything up. (An indexed loop: for-of
  // costs every request an array iterator here.)
  const index = o.index;
  for (let i = 0; i < index.length; i++) {
    const name = index[i]!;
    if (path.endsWith(name) && path.charCodeAt(path.length - name.length - 1) === 47) {
      const dir = path.slice(0, path.length - name.length);
      const location = isCanonical(dir, '/') ? relativeLocation('./', decoded.query) : absoluteLocation(`${o.prefix}${cleanPath(dir)}/`, decoded.query);
      return { plan: redirectPlan(location), file: undefined };
    }
  }
  return { path, query: decoded.query };
}

/**
 * What can be answered about an open file or directory without more I/O: a redirect, or the plan
 * of a file whose headers are known. `undefined` leaves the rest (listings, sniffing) to {@link resume}.
 */
function opened(ctx: ServeContext, facts: RequestFacts, file: File, info: FileInfo, routed: Route): Served | undefined {
  const { path, query } = routed;
  const o = ctx.options;
  const slash = path.charCodeAt(path.length - 1) === 47;
  if (info.isDirectory) {
    if (slash) return undefined;
    return closing(file, redirectPlan(isCanonical(path, '') ? directoryLocation(path, query) : absoluteLocation(`${o.prefix}${cleanPath(path)}/`, query)));
  }
  if (slash) return closing(file, redirectPlan(isCanonical(path, '/') ? fileLocation(path, query) : absoluteLocation(o.prefix + cleanPath(path), query)));
  const plan = planFile(facts, metaFor(ctx, info), ctx.boundary);
  if (plan.needsType !== true) return { plan, file };
  // Unknown extension: sniff once per version, from a view when the bytes are at hand.
  if (file.bytes === undefined) return undefined;
  return { plan: sniffed(ctx, facts, info, file.bytes().subarray(0, SNIFF_LENGTH)), file };
}

// The rest of a request, once I/O is needed: stat without statSync, a directory, a sniff by reading.
async function resume(ctx: ServeContext, facts: RequestFacts, file: File, known: FileInfo | undefined, routed: Route): Promise<Served> {
  try {
    const info = known ?? (await file.stat());
    if (known === undefined) {
      const served = opened(ctx, facts, file, info, routed);
      if (served !== undefined) return served;
    }
    if (info.isDirectory) return await serveDirectory(ctx, facts, file, info, routed.path);
    const head = await readHead(file, Math.min(info.size, SNIFF_LENGTH));
    return { plan: sniffed(ctx, facts, info, head), file };
  } catch (error) {
    return failed(file, error);
  }
}

function failed(file: File | undefined, error: unknown): Served {
  if (file !== undefined) release(file);
  return { plan: errorPlan(statusForCode((error as { code?: string } | null)?.code)), file: undefined, error };
}

// Headers per file version: by FileInfo identity (in-memory backends hand out the same object),
// else by what identifies a version (a disk makes a new FileInfo per call; its ETag names the version).
function metaFor(ctx: ServeContext, info: FileInfo): FileMeta {
  let meta = ctx.cache.get(info);
  if (meta !== undefined) return meta;
  const key = versionKey(info);
  meta = key === undefined ? undefined : ctx.versions.get(key);
  if (meta !== undefined) return meta;
  meta = fileMeta(info, ctx.options);
  remember(ctx, info, key, meta);
  return meta;
}

function sniffed(ctx: ServeContext, facts: RequestFacts, info: FileInfo, head: Uint8Array): Plan {
  const meta = fileMeta(info, ctx.options, sniffContentType(head));
  remember(ctx, info, versionKey(info), meta);
  return planFile(facts, meta, ctx.boundary);
}

function remember(ctx: ServeContext, info: FileInfo, key: string | undefined, meta: FileMeta): void {
  ctx.cache.set(info, meta);
  if (key === undefined) return;
  if (ctx.versions.size >= MAX_VERSIONS) ctx.versions.clear();
  ctx.versions.set(key, meta);
}

// A name never holds '/', so the key is unambiguous; the ETag, a strong validator, fixes the size.
function versionKey(info: FileInfo): string | undefined {
  return typeof info.etag === 'string' ? `${info.name}/${info.mtimeMs}/${info.etag}` : undefined;
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
        release(index);
        throw error;
      }
      if (indexInfo.isDirectory) {
        release(index);
        continue;
      }
      release(dir);
      const routed = { path: joinPath(clean, name), query: '' };
      return opened(ctx, facts, index, indexInfo, routed) ?? (await resume(ctx, facts, index, indexInfo, routed));
    }
    if (!o.listing) return closing(dir, errorPlan(404));
    let entries = await dir.readdir();
    if (o.dotfiles !== 'allow') entries = entries.filter((e) => !isDotName(e.name));
    release(dir);
    const json = wantsJson(facts.accept);
    const shown = displayPath(o.prefix, clean);
    const body = json ? listingJson(shown, entries) : listingHtml(shown, entries, clean !== '/');
    return { plan: planListing(facts, info, json, body, o), file: undefined };
  } catch (error) {
    release(dir);
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
  release(file);
  return { plan, file: undefined };
}
