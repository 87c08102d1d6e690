/**
 * Directory listings: a small HTML page for people, JSON for programs.
 * @module
 */
import type { FileInfo } from '@hotfs/core';
import { escapeSegment } from './location.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const rep = c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : c === 34 ? '&quot;' : c === 39 ? '&#39;' : undefined;
    if (rep === undefined) continue;
    out += text.slice(last, i) + rep;
    last = i + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** The relative href of a listing entry: escaped name, a trailing `/` for directories. */
function entryHref(entry: FileInfo): string {
  return escapeSegment(entry.name) + (entry.isDirectory ? '/' : '');
}

/** Human-readable size: bytes below 1 KiB, else one decimal in KiB/MiB/GiB. */
function formatSize(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = size / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** `YYYY-MM-DD HH:MM` in UTC, or '' for an unknown (epoch) time. */
function formatTime(ms: number): string {
  if (!(ms > 0)) return '';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The HTML listing of `dirPath` (the decoded path the client asked for, used only as a title).
 * Names are HTML-escaped as text and percent-encoded in hrefs, so any name is shown and linked
 * exactly (RFC 3986 §2.1); hrefs are relative references (RFC 3986 §4.2), so the page works under any
 * mount prefix. `parentLink` adds `../`.
 */
export function listingHtml(dirPath: string, entries: readonly FileInfo[], parentLink = dirPath !== '/'): string {
  const title = escapeHtml(dirPath);
  const rows: string[] = [];
  if (parentLink) rows.push('<tr><td class="n"><a href="../">../</a></td><td></td><td></td></tr>');
  for (const e of entries) {
    const name = escapeHtml(e.name) + (e.isDirectory ? '/' : '');
    const size = e.isDirectory ? '' : `<span title="${e.size} bytes">${formatSize(e.size)}</span>`;
    rows.push(
      `<tr${e.isDirectory ? ' class="d"' : ''}><td class="n"><a href="${escapeHtml(entryHref(e))}">${name}</a></td><td class="s">${size}</td><td class="t">${formatTime(e.mtimeMs)}</td></tr>`,
    );
  }
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Index of ${title}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.25rem;font-weight:600;word-break:break-all}
table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #d8dee4}
th{font-weight:600;color:#59636e}
td.s,th.s{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.t{white-space:nowrap;color:#59636e;font-variant-numeric:tabular-nums}
a{color:#0969da;text-decoration:none;word-break:break-all}a:hover{text-decoration:underline}
tr.d a{font-weight:600}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}a{color:#4493f8}th,td.t{color:#9198a1}th,td{border-color:#30363d}}
</style>
<h1>Index of ${title}</h1>
<table>
<thead><tr><th>Name</th><th class="s">Size</th><th>Modified (UTC)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</html>
`;
}

/**
 * The JSON listing: `{ path, entries: [{ name, href, isDirectory, size, mtimeMs, mtime }] }`, where
 * `href` is the entry's percent-encoded (RFC 3986 §2.1) relative reference (RFC 3986 §4.2) and
 * `mtime` an ISO 8601 UTC time, or null when unknown.
 */
export function listingJson(dirPath: string, entries: readonly FileInfo[]): string {
  return JSON.stringify({
    path: dirPath,
    entries: entries.map((e) => ({
      name: e.name,
      href: entryHref(e),
      isDirectory: e.isDirectory,
      size: e.size,
      mtimeMs: e.mtimeMs,
      mtime: e.mtimeMs > 0 ? new Date(e.mtimeMs).toISOString() : null,
    })),
  });
}

/**
 * True when `Accept` prefers `application/json` to `text/html`: JSON must be named explicitly
 * with a non-zero quality at least that of HTML (wildcards never select JSON, so browsers get HTML).
 */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('json')) return false;
  let json = 0;
  let html = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';');
    const t = type.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim());
    }
    if (!(q >= 0 && q <= 1)) q = 0;
    if (t === 'application/json') json = Math.max(json, q);
    else if (t === 'text/html') html = Math.max(html, q);
  }
  return json > 0 && json >= html;
}
