/**
 * Live reload, the page side: the script put into HTML responses, and how an HTML file version
 * becomes a consistent injected representation (its own bytes, Content-Length, ETag and ranges).
 * @module
 */
import { createHash } from 'node:crypto';
import { cleanPath, type FileInfo } from '@hotfs/core';
import type { ResolvedOptions } from './options.js';
import { fileMeta, planFile, type FileMeta, type Plan, type RequestFacts } from './respond.js';

/**
 * The script injected into HTML pages. It opens an `EventSource` on `endpoint` (which reconnects by
 * itself, also after a server restart), reloads the page on a change, and when only a stylesheet
 * changed re-fetches the page's same-origin `<link rel=stylesheet>`s with a cache-busting query,
 * putting each new link next to the old one and removing the old one once the new one has loaded
 * (no flash of unstyled content, no reload: the page's state survives).
 */
export function liveScript(endpoint: string): string {
  // `<` escaped: nothing in the URL can close the script element.
  const url = JSON.stringify(endpoint).replace(/</g, '\\u003c');
  return (
    '<script data-hotfs-live>(()=>{' +
    `const es=new EventSource(${url});` +
    'const swap=()=>{for(const l of document.querySelectorAll(\'link[rel~="stylesheet" i]:not([data-hotfs-old])\')){' +
    'const u=new URL(l.href,location.href);if(u.origin!==location.origin)continue;' +
    "u.searchParams.set('hotfs-live',String(Date.now()));const n=l.cloneNode();n.href=u.href;" +
    "l.setAttribute('data-hotfs-old','');n.onload=n.onerror=()=>l.remove();l.after(n)}};" +
    'es.onmessage=(m)=>{let e;try{e=JSON.parse(m.data)}catch{return}if(e.css)swap();else location.reload()};' +
    '})()</script>'
  );
}

const BODY_END = [0x3c, 0x2f, 0x62, 0x6f, 0x64, 0x79]; // "</body", matched case-insensitively

/**
 * `html` with `snippet` inserted before its last `</body` (any case), or appended when it has none.
 * A page in UTF-16 (a UTF-16 byte order mark) is returned unchanged: ASCII bytes would corrupt it.
 * Always a new buffer; `html` is not modified.
 */
export function injectLive(html: Uint8Array, snippet: Uint8Array): Buffer {
  if (html.length >= 2 && ((html[0] === 0xfe && html[1] === 0xff) || (html[0] === 0xff && html[1] === 0xfe))) return Buffer.from(html);
  const at = lastBodyEnd(html);
  return Buffer.concat([html.subarray(0, at), snippet, html.subarray(at)]);
}

function lastBodyEnd(html: Uint8Array): number {
  outer: for (let i = html.length - BODY_END.length; i >= 0; i--) {
    for (let j = 0; j < BODY_END.length; j++) {
      // ASCII letters lower-cased by their 0x20 bit; '<' and '/' have it already.
      if ((html[i + j]! | 0x20) !== BODY_END[j]) continue outer;
    }
    return i;
  }
  return html.length;
}

/**
 * The ETag of an injected representation: the original's, with `-<tag>` added inside the quotes,
 * weak when the original is weak. A tag that would grow past 200 characters is hashed instead.
 */
export function liveEtag(etag: string, tag: string): string {
  const weak = etag.startsWith('W/');
  let inner = `${etag.slice(weak ? 3 : 1, -1)}-${tag}`;
  if (inner.length > 200) inner = createHash('sha256').update(inner).digest('base64url');
  return weak ? `W/"${inner}"` : `"${inner}"`;
}

/**
 * Whether a file of this Content-Type is served with the live script injected: only with live reload
 * on, only HTML. The single place that decides it; an injected page is always sent as identity (an
 * encoded variant of the file would not contain the script).
 */
export function injectsLive(pages: LivePages | undefined, contentType: string | undefined): pages is LivePages {
  return pages !== undefined && contentType !== undefined && /^text\/html\s*(;|$)/i.test(contentType);
}

/** An injected file version: its headers and the bytes they describe. */
interface Injected {
  meta: FileMeta;
  bytes: Buffer;
}

/**
 * The injected representations of a handler's HTML pages, built once per file version: keyed by the
 * version's {@link FileMeta}, which the handler already keeps once per version.
 */
export class LivePages {
  readonly #endpoint: string;
  /** The script of pages that are no file version (listings). */
  readonly #snippet: Buffer;
  /** Names this script in ETags: a page injected with another script (another prefix) is another representation. */
  readonly #tag: string;
  readonly #cache = new WeakMap<FileMeta, Injected>();

  constructor(endpoint: string) {
    this.#endpoint = endpoint;
    this.#snippet = Buffer.from(liveScript(endpoint));
    this.#tag = 'live' + createHash('sha256').update(this.#snippet).digest('base64url').slice(0, 8);
  }

  /**
   * Plans the answer for an HTML file version whose whole content is `bytes`, as if the injected
   * bytes were the file: preconditions, ranges and HEAD apply to them. The plan's body is literal
   * bytes (no file slices), so the file can be closed at once. The script names `page` (the file's
   * hotfs path) and the version's ETag to the event stream, which tells the page to reload at once
   * if that file has changed by the time the stream connects (see {@link LiveFeed}).
   * @throws Error when `bytes` is not the size the version announced (it changed while being read).
   */
  plan(facts: RequestFacts, meta: FileMeta, bytes: Uint8Array, o: ResolvedOptions, boundary: string, page: string): Plan {
    let injected = this.#cache.get(meta);
    if (injected === undefined) {
      if (bytes.length !== meta.size) throw new Error('file changed size while being read');
      const endpoint = `${this.#endpoint}?page=${encodeURIComponent(cleanPath(page))}&etag=${encodeURIComponent(meta.etag)}`;
      const body = injectLive(bytes, Buffer.from(liveScript(endpoint)));
      const etag = liveEtag(meta.etag, this.#tag);
      const weak = etag.startsWith('W/');
      const tagText = etag.slice(weak ? 3 : 1, -1);
      const info: FileInfo = { name: '', size: body.length, mtimeMs: meta.mtimeMs, isDirectory: false, ...(weak ? { weakEtag: tagText } : { etag: tagText }) };
      injected = { meta: fileMeta(info, o, meta.contentType, meta.path), bytes: body };
      this.#cache.set(meta, injected);
    }
    const plan = planFile(facts, injected.meta, boundary);
    if (plan.body === undefined) return plan;
    const all = injected.bytes;
    return { ...plan, body: plan.body.map((part) => (part instanceof Uint8Array ? part : part.start === 0 && part.end === all.length ? all : all.subarray(part.start, part.end))) };
  }

  /** A listing page (HTML the handler generated) with the script. */
  listing(html: string): string {
    return injectLive(Buffer.from(html), this.#snippet).toString();
  }
}
