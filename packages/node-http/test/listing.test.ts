import type { FileInfo } from '@hotfs/core';
import { describe, expect, it } from 'vitest';
import { escapeHtml, listingHtml, listingJson, wantsJson } from '../src/listing.js';
import { absoluteLocation, directoryLocation, escapeSegment, fileLocation, relativeLocation } from '../src/location.js';

const entries: FileInfo[] = [
  { name: '<b>&"x\'.txt', size: 2048, mtimeMs: Date.UTC(2024, 0, 2, 3, 4), isDirectory: false },
  { name: 'a #?', size: 0, mtimeMs: 0, isDirectory: true },
  { name: 'javascript:alert(1)', size: 1, mtimeMs: 1, isDirectory: false },
  { name: 'ünï €.txt', size: 5, mtimeMs: 1, isDirectory: false },
];

describe('listing', () => {
  it('escapes names as HTML text and percent-encodes hrefs', () => {
    const html = listingHtml('/d<ir>/', entries);
    expect(html).toContain('<title>Index of /d&lt;ir&gt;/</title>');
    expect(html).toContain('>&lt;b&gt;&amp;&quot;x&#39;.txt</a>');
    expect(html).toContain('href="%3Cb%3E%26%22x&#39;.txt"');
    expect(html).toContain('href="a%20%23%3F/">a #?/</a>');
    expect(html).toContain('href="javascript%3Aalert(1)"');
    expect(html).toContain('href="%C3%BCn%C3%AF%20%E2%82%AC.txt"');
    expect(html).toContain('2.0 KiB');
    expect(html).toContain('2024-01-02 03:04');
    expect(html).toContain('href="../"');
    expect(html).not.toContain('<b>');
    expect(listingHtml('/', entries)).not.toContain('href="../"');
  });
  it('renders JSON that round-trips names', () => {
    const json = JSON.parse(listingJson('/x/', entries)) as { path: string; entries: Array<{ name: string; href: string; isDirectory: boolean; mtime: string | null }> };
    expect(json.path).toBe('/x/');
    expect(json.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    expect(json.entries[1]).toMatchObject({ href: 'a%20%23%3F/', isDirectory: true, mtime: null });
  });
  it('negotiates JSON only when asked for explicitly', () => {
    expect(wantsJson('application/json')).toBe(true);
    expect(wantsJson('application/json, text/html;q=0.5')).toBe(true);
    expect(wantsJson('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(false);
    expect(wantsJson('text/html, application/json;q=0.9')).toBe(false);
    expect(wantsJson('application/json;q=0')).toBe(false);
    expect(wantsJson('*/*')).toBe(false);
    expect(wantsJson(undefined)).toBe(false);
  });
  it('escapeHtml leaves plain text alone', () => {
    expect(escapeHtml('plain')).toBe('plain');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });
});

describe('redirect Location', () => {
  it('escapes the name and keeps the query', () => {
    expect(directoryLocation('/x/a #?', 'q=1')).toBe('a%20%23%3F/?q=1');
    expect(directoryLocation('/memfs', '')).toBe('memfs/');
    expect(directoryLocation('/x/c:d', '')).toBe('c%3Ad/');
    expect(fileLocation('/x/a b.txt/', '')).toBe('../a%20b.txt');
    expect(relativeLocation('./', 'a=b&c')).toBe('./?a=b&c');
    expect(escapeSegment('100%')).toBe('100%25');
  });
});

describe('absoluteLocation (redirects for unnormalised spellings)', () => {
  it.each([
    ['/', '', '/'],
    ['//', '', '/'],
    ['/docs/', 'a=1', '/docs/?a=1'],
    ['/memfs//docs/', '', '/memfs/docs/'],
    ['/a #?/b.txt', '', '/a%20%23%3F/b.txt'],
  ])('%j ? %j -> %j', (path, query, want) => {
    expect(absoluteLocation(path, query)).toBe(want);
  });

  it('never starts with two slashes (a protocol-relative URL is an open redirect)', () => {
    for (const path of ['//evil.example/', '///x', '/', '//']) expect(absoluteLocation(path, '').startsWith('//')).toBe(false);
  });
});
