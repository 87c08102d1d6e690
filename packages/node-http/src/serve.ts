/**
 * Resolving a request against a FileSystem: the only module of the core that awaits the backend.
 * It turns a request-target into a {@link Plan} plus the open file the plan's body reads from.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { cleanPath, joinPath, readAll, release, tryOpen, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { SNIFF_LENGTH, sniffContentType } from './content-type.js';
import { decodeTarget, dotSegments, isDotName } from './decode-path.js';
import { listingHtml, listingJson, wantsJson } from './listing.js';
import { createLive, type Live } from './live.js';
import { injectsLive } from './live-inject.js';
import { absoluteLocation, directoryLocation, fileLocation, relativeLocation } from './location.js';
import { resolveOptions, type HandlerOptions, type ResolvedOptions } from './options.js';
import { errorPlan, fileMeta, planFile, planListing, redirectPlan, statusForCode, usableEtag, type FileMeta, type Plan, type RequestFacts } from './respond.js';

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
  /** Live reload's event stream and injected pages; undefined when the `live` option is off. */
  live: Live | undefined;
}

/** Most versions whose headers are kept for backends with a new FileInfo per call (a disk). */
const MAX_VERSIONS = 10_000;

/** The state of one handler: the backend, checked options, empty header caches. */
export function createContext(fs: FileSystem, options: HandlerOptions | undefined): ServeContext {
  checkFileSystem(fs);
  const resolved = resolveOptions(options);
  return { fs, options: resolved, cache: new WeakMap(), versions: new Map(), boundary: randomBytes(15).toString('hex'), live: createLive(fs, resolved) };
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
 * Serves a GET or HEAD of `target` (the raw request-target, decoded here exactly once) and hands
 * the outcome to `done`, exactly once. Never throws: backend failures become error plans.
 *
 * The steps are Go's `serveFile`: route, look up, then a redirect, a file's headers or a directory.
 * They run here without a promise as far as the backend allows (`tryOpenSync` with `statSync`:
 * files of a known type, misses and redirects are answered before this returns); the first step
 * that needs I/O hands the request to {@link serveFile}, which runs the same steps with awaits.
 */
export function serveContent(ctx: ServeContext, facts: RequestFacts, target: string, done: (served: Served) => void): void {
  let routed: Route | Served | undefined;
  let file: File | undefined;
  let info: FileInfo | undefined;
  let served: Served | undefined;
  try {
    routed = route(ctx, target);
    if ('plan' in routed) served = routed;
    else if (ctx.fs.tryOpenSync !== undefined) {
      file = ctx.fs.tryOpenSync(routed.path);
      if (file === undefined) served = NOT_FOUND;
      else if (file.statSync !== undefined) {
        info = file.statSync();
        const redirect = redirectFor(ctx, routed, info);
        if (redirect !== undefined) served = closing(file, redirect);
        else if (!info.isDirectory) served = content(ctx, facts, file, info);
      }
    }
  } catch (error) {
    served = failed(file, error);
  }
  // The one branch that needs I/O: an open or stat without a sync form, a directory, a sniff by reading.
  if (served === undefined) void serveFile(ctx, facts, routed as Route, file, info).then(done);
  else done(served);
}

/** The same steps as {@link serveContent}, awaiting what is not known yet. Never rejects. */
async function serveFile(ctx: ServeContext, facts: RequestFacts, routed: Route, file: File | undefined, info: FileInfo | undefined): Promise<Served> {
  try {
    file ??= await tryOpen(ctx.fs, routed.path);
    if (file === undefined) return NOT_FOUND;
    info ??= await file.stat();
    const redirect = redirectFor(ctx, routed, info);
    if (redirect !== undefined) return closing(file, redirect);
    if (info.isDirectory) {
      const index = await openIndex(ctx, routed.path);
      if (index === undefined) return await listDirectory(ctx, facts, file, info, routed.path);
      release(file);
      ({ file, info } = index);
    }
    const served = content(ctx, facts, file, info);
    if (served !== undefined) return served;
    const meta = metaFor(ctx, info);
    if (injectsLive(ctx.live?.pages, meta.contentType)) return livePage(ctx, facts, file, meta, await readAll(file));
    return { plan: sniffed(ctx, facts, info, await readHead(file, Math.min(info.size, SNIFF_LENGTH))), file };
  } catch (error) {
    return failed(file, error);
  }
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

// A directory is named with a trailing slash, a file without: anything else is redirected.
function redirectFor(ctx: ServeContext, routed: Route, info: FileInfo): Plan | undefined {
  const { path, query } = routed;
  const prefix = ctx.options.prefix;
  const slash = path.charCodeAt(path.length - 1) === 47;
  if (info.isDirectory && !slash) return redirectPlan(isCanonical(path, '') ? directoryLocation(path, query) : absoluteLocation(`${prefix}${cleanPath(path)}/`, query));
  if (!info.isDirectory && slash) return redirectPlan(isCanonical(path, '/') ? fileLocation(path, query) : absoluteLocation(prefix + cleanPath(path), query));
  return undefined;
}

/**
 * A file's answer when it needs no read: its type is known from the name or sniffed from a view
 * of its bytes. `undefined` when the first bytes must be read to sniff the type, or the whole
 * file to inject the live script.
 */
function content(ctx: ServeContext, facts: RequestFacts, file: File, info: FileInfo): Served | undefined {
  const meta = metaFor(ctx, info);
  if (injectsLive(ctx.live?.pages, meta.contentType)) return file.bytes === undefined ? undefined : livePage(ctx, facts, file, meta, file.bytes());
  const plan = planFile(facts, meta, ctx.boundary);
  if (plan.needsType !== true) return { plan, file };
  if (file.bytes === undefined) return undefined;
  return { plan: sniffed(ctx, facts, info, file.bytes().subarray(0, SNIFF_LENGTH)), file };
}

// An HTML page with live reload on: the injected copy, from memory (the file is closed here).
function livePage(ctx: ServeContext, facts: RequestFacts, file: File, meta: FileMeta, bytes: Uint8Array): Served {
  const plan = ctx.live!.pages.plan(facts, meta, bytes, ctx.options, ctx.boundary);
  release(file);
  return { plan, file: undefined };
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

// Never HTML (see sniffContentType), so never a live page.
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

// A name never holds '/', so the key is unambiguous; the ETag, strong or weak, fixes the size, and
// the W/ keeps a weak version's headers apart from the strong ones of the same tag. Only a tag that
// is sent names a version: an unusable one ('' say) could be shared by files of different sizes.
function versionKey(info: FileInfo): string | undefined {
  if (usableEtag(info.etag)) return `${info.name}/${info.mtimeMs}/${info.etag}`;
  return usableEtag(info.weakEtag) ? `${info.name}/${info.mtimeMs}/W/${info.weakEtag}` : undefined;
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

// The first index file of the directory that is a file, opened; a directory of that name is skipped.
async function openIndex(ctx: ServeContext, path: string): Promise<{ file: File; info: FileInfo } | undefined> {
  const clean = cleanPath(path);
  for (const name of ctx.options.index) {
    const file = await tryOpen(ctx.fs, joinPath(clean, name));
    if (file === undefined) continue;
    let info: FileInfo;
    try {
      info = await file.stat();
    } catch (error) {
      release(file);
      throw error;
    }
    if (!info.isDirectory) return { file, info };
    release(file);
  }
  return undefined;
}

// A directory without an index file: its listing (the caller closes `dir` if this throws).
async function listDirectory(ctx: ServeContext, facts: RequestFacts, dir: File, info: FileInfo, path: string): Promise<Served> {
  const o = ctx.options;
  if (!o.listing) return closing(dir, errorPlan(404));
  let entries = await dir.readdir();
  if (o.dotfiles !== 'allow') entries = entries.filter((e) => !isDotName(e.name));
  const clean = cleanPath(path);
  const json = wantsJson(facts.accept);
  const shown = displayPath(o.prefix, clean);
  let body = json ? listingJson(shown, entries) : listingHtml(shown, entries, clean !== '/');
  if (!json && ctx.live !== undefined) body = ctx.live.pages.listing(body);
  return closing(dir, planListing(facts, info, json, body, o));
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
