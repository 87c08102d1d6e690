import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsError, MemFS, type FileInfo, type FileSystem } from '@hotfs/core';
import { createFetchHandler, createHandler } from '../src/index.js';
import { backends } from './backends.js';
import { close, listen, request } from './client.js';

// Validators that cannot splice two versions: a resumed download (Range + If-Range) must never get
// bytes of a new version appended to the old one, even when the new one has the same size and an
// mtime forced back to the old one.
const OLD = Math.floor(Date.now() / 1000) - 3600; // whole seconds: utimes restores it exactly
const V1 = 'version one of the file\n';
const V2 = 'VERSION TWO OF THE FILE\n';

async function untilOld(path: string): Promise<void> {
  const s = await stat(path);
  const wait = Math.max(s.mtimeMs, s.ctimeMs) + 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 5));
}

for (const backend of backends) {
  describe(`ETags over ${backend.name}`, () => {
    let dir: string;
    let fs: FileSystem;
    let server: Server;
    let port: number;
    const settle = async (): Promise<void> => {
      if (fs instanceof MemFS) await fs.rescan();
    };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hotfs-etag-http-'));
      await writeFile(join(dir, 'old.txt'), V1);
      await utimes(join(dir, 'old.txt'), OLD, OLD);
      await untilOld(join(dir, 'old.txt'));
      fs = await backend.make(dir);
      ({ server, port } = await listen(createHandler(fs)));
    });
    afterAll(async () => {
      await close(server);
      await fs?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('a same-size rewrite under the old mtime: If-Range with the old tag (DiskFS: or date) gets the whole new file, not a 206', async () => {
      const first = await request(port, '/old.txt', { range: 'bytes=0-7' });
      const tag = first.headers['etag']!;
      const date = first.headers['last-modified']!;
      expect(tag).toMatch(/^"[^"]+"$/); // strong: the file is more than a second old
      expect([first.status, first.body.toString()]).toEqual([206, V1.slice(0, 8)]);
      expect((await request(port, '/old.txt', { range: 'bytes=8-', 'if-range': tag })).status).toBe(206);
      await writeFile(join(dir, 'old.txt'), V2);
      await utimes(join(dir, 'old.txt'), OLD, OLD);
      await settle();
      // A date cannot see a rewrite under a forced mtime: DiskFS refuses it only while the change is
      // under a second old (its tag, with the ctime, says so); MemFS's tag carries no change time.
      for (const validator of fs instanceof MemFS ? [tag] : [tag, date]) {
        const resumed = await request(port, '/old.txt', { range: 'bytes=8-', 'if-range': validator });
        expect([validator, resumed.status, resumed.body.toString()]).toEqual([validator, 200, V2]);
        expect(resumed.headers['last-modified']).toBe(date);
        expect(resumed.headers['etag']).not.toBe(tag);
      }
    });

    it('a file just written: DiskFS sends a weak tag, and If-Range with it (or its date) gets 200', async () => {
      await writeFile(join(dir, 'fresh.txt'), V1);
      await settle();
      const first = await request(port, '/fresh.txt');
      const tag = first.headers['etag']!;
      if (fs instanceof MemFS)
        expect(tag).toMatch(/^"[^"]+"$/); // the content's hash: strong at once
      else expect(tag).toMatch(/^W\/"[^"]+"$/);
      for (const validator of [tag, first.headers['last-modified']!]) {
        const r = await request(port, '/fresh.txt', { range: 'bytes=0-3', 'if-range': validator });
        // A strong tag that names this very content may resume; nothing else may.
        if (validator === tag && !tag.startsWith('W/')) expect(r.status).toBe(206);
        else expect([validator, r.status, r.body.toString()]).toEqual([validator, 200, V1]);
      }
      // A weak tag still revalidates: If-None-Match compares weakly.
      expect((await request(port, '/fresh.txt', { 'if-none-match': tag })).status).toBe(304);
      // If-Match compares strongly: a weak tag never matches.
      expect((await request(port, '/fresh.txt', { 'if-match': tag })).status).toBe(tag.startsWith('W/') ? 412 : 200);
    });
  });
}

describe('headers cached per version', () => {
  // A backend whose tags cannot be sent (''): two files of one name and mtime but different sizes
  // in two directories must not share headers, whichever is asked for first.
  function backendWithUnusableTags(): FileSystem {
    const files = new Map([
      ['/a/x.txt', 'short'],
      ['/b/x.txt', 'much longer'],
    ]);
    const infoOf = (path: string): FileInfo => {
      const text = files.get(path);
      if (text !== undefined) return { name: 'x.txt', size: text.length, mtimeMs: 1_000_000, isDirectory: false, etag: '', weakEtag: '' };
      if (path === '/' || path === '/a' || path === '/b') return { name: path.slice(1), size: 0, mtimeMs: 1_000_000, isDirectory: true };
      throw new FsError('ENOENT', path);
    };
    return {
      open: async (path) => {
        const info = infoOf(path);
        const bytes = new TextEncoder().encode(files.get(path) ?? '');
        return {
          stat: async () => info,
          read: async (into, position) => {
            const part = bytes.subarray(position, position + into.length);
            into.set(part);
            return part.length;
          },
          readdir: async () => [],
          close: async () => {},
        };
      },
      stat: async (path) => infoOf(path),
      readdir: async () => [],
      close: async () => {},
    };
  }

  it('a tag that cannot be sent does not name a version', async () => {
    const handle = createFetchHandler(backendWithUnusableTags());
    for (const [path, text] of [
      ['/a/x.txt', 'short'],
      ['/b/x.txt', 'much longer'],
      ['/a/x.txt', 'short'],
    ]) {
      const r = await handle(new Request(`http://hotfs.test${path}`));
      expect([path, r.status, r.headers.get('content-length'), await r.text()]).toEqual([path, 200, String(text!.length), text]);
    }
  });
});
