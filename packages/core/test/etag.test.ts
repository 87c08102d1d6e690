import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MemFS } from '@hotfs/core';
import { infoFromStats } from '../src/disk-file.js';

// A whole second in the past, so setting it again restores exactly the same mtime.
const OLD = Math.floor(Date.now() / 1000) - 3600;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotfs-etag-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Resolves once a second has passed since the file last changed (its ctime: utimes cannot set it). */
async function untilOld(path: string): Promise<void> {
  const s = await stat(path);
  const wait = Math.max(s.mtimeMs, s.ctimeMs) + 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 5));
}

describe("DiskFS's metadata ETag (the Apache rule)", () => {
  it('is weak until a second after the last change, then strong: the same tag text, never both fields', async () => {
    const path = join(dir, 'rule.txt');
    await writeFile(path, 'abcd');
    const s = statSync(path);
    const changed = Math.max(s.mtimeMs, s.ctimeMs);
    const young = infoFromStats('rule.txt', s, changed + 999);
    const old = infoFromStats('rule.txt', s, changed + 1000);
    expect(young.etag).toBeUndefined();
    expect(young.weakEtag).toMatch(/^[0-9a-z]+(-[0-9a-z]+){3}$/);
    expect(old.weakEtag).toBeUndefined();
    expect(old.etag).toBe(young.weakEtag);
    // A file time in the future (clock skew, a network disk) is no proof of age.
    expect(infoFromStats('rule.txt', s, changed - 5000).etag).toBeUndefined();
    // Directories carry no tag at all.
    const d = infoFromStats('d', statSync(dir), Date.now() + 10_000);
    expect([d.etag, d.weakEtag]).toEqual([undefined, undefined]);
  });

  for (const io of ['sync', 'async'] as const) {
    it(`io '${io}': a same-size rewrite under the old mtime (utimes) gets another tag, weak at first`, async () => {
      const path = join(dir, `rewrite-${io}.txt`);
      await writeFile(path, 'version one\n');
      await utimes(path, OLD, OLD);
      await untilOld(path);
      const fs = new DiskFS(dir, { io });
      const before = await fs.stat(`/rewrite-${io}.txt`);
      expect(before.etag).toBeDefined();
      expect(before.weakEtag).toBeUndefined();
      await writeFile(path, 'version two\n');
      await utimes(path, OLD, OLD);
      const file = await fs.open(`/rewrite-${io}.txt`);
      const after = await file.stat();
      await file.close();
      expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
      expect(after.etag).toBeUndefined();
      expect(after.weakEtag).toBeDefined();
      expect(after.weakEtag).not.toBe(before.etag);
      await untilOld(path);
      const settled = await fs.stat(`/rewrite-${io}.txt`);
      expect(settled.etag).toBe(after.weakEtag);
      expect(settled.etag).not.toBe(before.etag);
      await fs.close();
    });
  }
});

describe("MemFS's content ETag", () => {
  it('is strong and names the content: a same-size rewrite under the old mtime changes it', async () => {
    const path = join(dir, 'mem.txt');
    await writeFile(path, 'version one\n');
    await utimes(path, OLD, OLD);
    const fs = await MemFS.mirror(dir, { watch: false });
    try {
      const before = await fs.stat('/mem.txt');
      expect(before.etag).toMatch(/^[A-Za-z0-9_-]{43}$/); // SHA-256, base64url
      expect(before.weakEtag).toBeUndefined();
      await writeFile(path, 'version two\n');
      await utimes(path, OLD, OLD);
      await fs.rescan();
      const after = await fs.stat('/mem.txt');
      expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
      expect(after.etag).toBeDefined();
      expect(after.etag).not.toBe(before.etag);
    } finally {
      await fs.close();
    }
  });
});
