/**
 * Resolving a request against a FileSystem: the only module of the core that awaits the backend.
 * It turns a request-target into a {@link Plan} plus the open file the plan's body reads from.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { cleanPath, joinPath, readAll, release, tryOpen, type ContentCoding, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { SNIFF_LENGTH, sniffContentType } from './content-type.js';
import { decodeTarget, dotSegments, isDotName } from './decode-path.js';
import { listingHtml, listingJson, wantsJson } from './listing.js';
import { createLive, type Live } from './live.js';
import { injectsLive } from './live-inject.js';
import { absoluteLocation, directoryLocation, fileLocation, relativeLocation } from './location.js';
import { resolveOptions, type HandlerOptions, type ResolvedOptions } from './options.js';
import { errorPlan, fileMeta, planFile, planListing, redirectPlan, statusForCode, usableEtag, type FileMeta, type Plan, type RequestFacts } from './respond.js';
import { acceptsHtml, isRoute } from './spa.js';
import { AcceptCache, findVariant, findVariantSync, type Variant } from './variants.js';

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
  /** Headers of answers negotiated on Accept-Encoding, per file version or variant (see {@link metaFor}). */
  negotiated: WeakMap<object, FileMeta>;
  accepts: AcceptCache;
  /** Live reload's event stream and injected pages; undefined when the `live` option is off. */
  live: Live | undefined;
}

/** Most versions whose headers are kept for backends with a new FileInfo per call (a disk). */
const MAX_VERSIONS = 10_000;

/** The state of one handler: the backend, checked options, empty header caches. */
export function createContext(fs: FileSystem, options: HandlerOptions | undefined): ServeContext {
  checkFileSystem(fs);
  const resolved = resolveOptions(options);
  return {
    fs,
    options: resolved,
    cache: new WeakMap(),
    versions: new Map(),
    boundary: randomBytes(15).toString('hex'),
    negotiated: new WeakMap(),
    accepts: new AcceptCache(),
    live: createLive(fs, resolved),
  };
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
  /** The path is the SPA fallback's, looked up after the request's own path missed. */
  fallback?: true;
}

/**
 * Serves a GET or HEAD of `target` (the raw request-target, decoded here exactly once) and hands
 * the outcome to `done`, exactly once. Never throws: backend failures become error plans.
 *
 * The steps are Go's `serveFile`: route, look up, then a redirect, a file's headers or a directory.
 * They run here without a promise as far as the backend allows (`tryOpenSync` with `statSync`:
 * files of a known type, misses and redirects are answered before this returns; with `tryOpen`
 * only, right after its one promise); the first step that needs I/O hands the request to
 * {@link serveFile}, which runs the same steps with awaits.
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
      if (file === undefined) {
        const fallback = fallbackFor(ctx, facts, routed);
        if (fallback !== undefined) file = ctx.fs.tryOpenSync((routed = fallback).path);
      }
      if (file === undefined) served = NOT_FOUND;
      else if (file.statSync !== undefined) served = known(ctx, facts, routed, file, (info = file.statSync()));
    } else if (ctx.fs.tryOpen !== undefined) {
      const opening = routed;
      ctx.fs.tryOpen(opening.path).then(
        (opened) => serveOpened(ctx, facts, opening, opened, done),
        (error: unknown) => done(failed(undefined, error)),
      );
      return;
    }
  } catch (error) {
    served = failed(file, error);
  }
  // The one branch that needs I/O: an open or stat without a sync form, a directory, a sniff by reading.
  if (served === undefined) void serveFile(ctx, facts, routed as Route, file, info).then(done);
  else done(served);
}

// A backend that opens with a promise but whose files know their info at once (a cache's held
// file): after that one promise, the same steps as with tryOpenSync, with no other.
function serveOpened(ctx: ServeContext, facts: RequestFacts, routed: Route, file: File | undefined, done: (served: Served) => void): void {
  let info: FileInfo | undefined;
  let served: Served | undefined;
  try {
    if (file?.statSync !== undefined) served = known(ctx, facts, routed, file, (info = file.statSync()));
  } catch (error) {
    served = failed(file, error);
  }
  if (served === undefined) void serveFile(ctx, facts, routed, file, info, true).then(done);
  else done(served);
}

// The answer for an open file whose info is known, when it needs no I/O: a redirect or a file's
// headers. `undefined` for a directory, a sniff, or a negotiation the backend cannot make at once.
function known(ctx: ServeContext, facts: RequestFacts, routed: Route, file: File, info: FileInfo): Served | undefined {
  const redirect = redirectFor(ctx, routed, info);
  if (redirect !== undefined) return closing(file, redirect);
  if (info.isDirectory) return undefined;
  if (!negotiates(ctx, file, info, routed.path)) return content(ctx, facts, file, info, routed.path);
  return ctx.fs.tryOpenSync === undefined ? undefined : encodedSync(ctx, facts, routed.path, file, info);
}

/**
 * The same steps as {@link serveContent}, awaiting what is not known yet (`opened`: the path was
 * already opened, and `file` is what that gave). Never rejects.
 */
async function serveFile(ctx: ServeContext, facts: RequestFacts, routed: Route, file: File | undefined, info: FileInfo | undefined, opened = false): Promise<Served> {
  try {
    if (!opened) file ??= await tryOpen(ctx.fs, routed.path);
    if (file === undefined) {
      const fallback = fallbackFor(ctx, facts, routed);
      if (fallback !== undefined) file = await tryOpen(ctx.fs, (routed = fallback).path);
    }
    if (file === undefined) return NOT_FOUND;
    info ??= file.statSync !== undefined ? file.statSync() : await file.stat();
    const redirect = redirectFor(ctx, routed, info);
    if (redirect !== undefined) return closing(file, redirect);
    let path = routed.path;
    if (info.isDirectory) {
      const index = await openIndex(ctx, path);
      if (index === undefined) return await listDirectory(ctx, facts, file, info, path);
      release(file);
      ({ file, info, path } = index);
    }
    if (negotiates(ctx, file, info, path)) {
      const variant = await findVariant(ctx.fs, path, file, info, ctx.accepts.preferred(facts.acceptEncoding), ctx.options.precompressed);
      return variantOrIdentity(ctx, facts, path, file, info, variant);
    }
    const served = content(ctx, facts, file, info, path);
    if (served !== undefined) return served;
    const meta = metaFor(ctx, info, path);
    if (injectsLive(ctx.live?.pages, meta.contentType)) return livePage(ctx, facts, file, meta, await readAll(file), path);
    return { plan: sniffed(ctx, facts, info, await readHead(file, Math.min(info.size, SNIFF_LENGTH)), path), file };
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

// A directory is named with a trailing slash, a file without: anything else is redirected. (The
// SPA fallback is served at the request's path: a directory there is only a miss.)
function redirectFor(ctx: ServeContext, routed: Route, info: FileInfo): Plan | undefined {
  if (routed.fallback) return info.isDirectory ? NOT_FOUND.plan : undefined;
  const { path, query } = routed;
  const prefix = ctx.options.prefix;
  const slash = path.charCodeAt(path.length - 1) === 47;
  if (info.isDirectory && !slash) return redirectPlan(isCanonical(path, '') ? directoryLocation(path, query) : absoluteLocation(`${prefix}${cleanPath(path)}/`, query));
  if (!info.isDirectory && slash) return redirectPlan(isCanonical(path, '/') ? fileLocation(path, query) : absoluteLocation(prefix + cleanPath(path), query));
  return undefined;
}

// A miss the SPA fallback answers: a route of the app (no '.' in its last segment) asked for as a page.
function fallbackFor(ctx: ServeContext, facts: RequestFacts, routed: Route): Route | undefined {
  const single = ctx.options.single;
  if (single === undefined || !isRoute(routed.path) || !acceptsHtml(facts.accept)) return undefined;
  return { path: single, query: routed.query, fallback: true };
}

/**
 * A file's answer when it needs no read: its type is known from the name or sniffed from a view
 * of its bytes. `undefined` when the first bytes must be read to sniff the type, or the whole
 * file to inject the live script. `path` is the hotfs path served (what header rules match).
 */
function content(ctx: ServeContext, facts: RequestFacts, file: File, info: FileInfo, path: string): Served | undefined {
  const meta = metaFor(ctx, info, path);
  if (injectsLive(ctx.live?.pages, meta.contentType)) return file.bytes === undefined ? undefined : livePage(ctx, facts, file, meta, file.bytes(), path);
  const plan = planFile(facts, meta, ctx.boundary);
  if (plan.needsType !== true) return { plan, file };
  if (file.bytes === undefined) return undefined;
  return { plan: sniffed(ctx, facts, info, file.bytes().subarray(0, SNIFF_LENGTH), path), file };
}

// Encodings are negotiated for a file whose type is known by its name (a variant's bytes cannot be
// sniffed), when siblings are looked for or the backend holds encodings beside its files. A page
// that gets the live script is sent as identity: the script goes into the identity bytes.
function negotiates(ctx: ServeContext, file: File, info: FileInfo, path: string): boolean {
  if (ctx.options.precompressed.length === 0 && file.encodings === undefined) return false;
  const type = metaFor(ctx, info, path).contentType;
  return type !== undefined && !injectsLive(ctx.live?.pages, type);
}

function encodedSync(ctx: ServeContext, facts: RequestFacts, path: string, file: File, info: FileInfo): Served {
  const variant = findVariantSync(ctx.fs, path, file, info, ctx.accepts.preferred(facts.acceptEncoding), ctx.options.precompressed);
  return variantOrIdentity(ctx, facts, path, file, info, variant);
}

// The variant when there is one (the identity file is released), else the file itself; either way
// the answer says Vary: Accept-Encoding.
function variantOrIdentity(ctx: ServeContext, facts: RequestFacts, path: string, file: File, info: FileInfo, variant: Variant | undefined): Served {
  const contentType = metaFor(ctx, info, path).contentType;
  if (variant === undefined) return { plan: planFile(facts, negotiatedMeta(ctx, info, info, 'identity', contentType, path), ctx.boundary), file };
  release(file);
  const meta = negotiatedMeta(ctx, variant.key, variant.info, variant.coding, contentType, path);
  return { plan: planFile(facts, meta, ctx.boundary), file: variant.file };
}

// Keyed by the object that stands for the version: the identity FileInfo, a sibling's FileInfo or the
// backend's encoding. A backend that makes a new FileInfo per call (a disk) recomputes the headers
// of a negotiated answer each time: cheap next to the syscalls such a backend costs.
function negotiatedMeta(ctx: ServeContext, key: object, info: FileInfo, encoding: ContentCoding | 'identity', contentType: string | undefined, requested: string): FileMeta {
  const path = rulePath(ctx, requested);
  let meta = ctx.negotiated.get(key);
  // The same object can stand for two answers (a sibling's FileInfo, asked for by its own name too).
  if (meta === undefined || meta.path !== path || meta.encoding !== (encoding === 'identity' ? undefined : encoding) || meta.contentType !== contentType) {
    meta = fileMeta(info, ctx.options, contentType, path, encoding);
    ctx.negotiated.set(key, meta);
  }
  return meta;
}

// An HTML page with live reload on: the injected copy, from memory (the file is closed here).
function livePage(ctx: ServeContext, facts: RequestFacts, file: File, meta: FileMeta, bytes: Uint8Array, path: string): Served {
  const plan = ctx.live!.pages.plan(facts, meta, bytes, ctx.options, ctx.boundary, path);
  release(file);
  return { plan, file: undefined };
}

function failed(file: File | undefined, error: unknown): Served {
  if (file !== undefined) release(file);
  return { plan: errorPlan(statusForCode((error as { code?: string } | null)?.code)), file: undefined, error };
}

// Headers per file version: by FileInfo identity (in-memory backends hand out the same object),
// else by what identifies a version (a disk makes a new FileInfo per call; its ETag names the version).
// With header rules the headers depend on the path too, and two paths can hold the same version.
function metaFor(ctx: ServeContext, info: FileInfo, requested: string): FileMeta {
  const path = rulePath(ctx, requested);
  let meta = ctx.cache.get(info);
  if (meta !== undefined && meta.path === path) return meta;
  const key = versionKey(info, path);
  meta = key === undefined ? undefined : ctx.versions.get(key);
  if (meta !== undefined) return meta;
  meta = fileMeta(info, ctx.options, undefined, path);
  remember(ctx, info, key, meta);
  return meta;
}

// Never HTML (see sniffContentType), so never a live page.
function sniffed(ctx: ServeContext, facts: RequestFacts, info: FileInfo, head: Uint8Array, requested: string): Plan {
  const path = rulePath(ctx, requested);
  const meta = fileMeta(info, ctx.options, sniffContentType(head), path);
  remember(ctx, info, versionKey(info, path), meta);
  return planFile(facts, meta, ctx.boundary);
}

// The hotfs path header rules are matched against; undefined without rules, so paths stay out of the caches.
function rulePath(ctx: ServeContext, path: string): string | undefined {
  return ctx.options.headerRules === undefined ? undefined : cleanPath(path);
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
// A path (header rules) follows a NUL, which neither a tag nor a path holds.
function versionKey(info: FileInfo, path: string | undefined): string | undefined {
  const key = usableEtag(info.etag) ? `${info.name}/${info.mtimeMs}/${info.etag}` : usableEtag(info.weakEtag) ? `${info.name}/${info.mtimeMs}/W/${info.weakEtag}` : undefined;
  return key === undefined || path === undefined ? key : `${key}\0${path}`;
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
async function openIndex(ctx: ServeContext, dir: string): Promise<{ file: File; info: FileInfo; path: string } | undefined> {
  const clean = cleanPath(dir);
  for (const name of ctx.options.index) {
    const path = joinPath(clean, name);
    const file = await tryOpen(ctx.fs, path);
    if (file === undefined) continue;
    let info: FileInfo;
    try {
      info = await file.stat();
    } catch (error) {
      release(file);
      throw error;
    }
    if (!info.isDirectory) return { file, info, path };
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
  return closing(dir, planListing(facts, info, json, body, o, o.headerRules === undefined ? undefined : shown.slice(o.prefix.length)));
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
