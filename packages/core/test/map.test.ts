import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapFS, hasBytes, hasChangeFeed, hasStatSync, hasTryOpenSync, isFsError, readAll, readFile, type ChangeEvent, type MapFSValue } from '@hotfs/core';
import { checkFileSystem, createFixture, type Fixture } from '@hotfs/core/conformance';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** The tree under `root` as MapFS entries, with the disk's mtimes, so the conformance kit can compare. */
function entriesFromDisk(root: string): Map<string, MapFSValue> {
  const out = new Map<string, MapFSValue>();
  const walk = (host: string, path: string): void => {
    const stats = statSync(host);
    if (stats.isDirectory()) {
      out.set(path === '/' ? '/' : path + '/', { mtimeMs: stats.mtimeMs });
      for (const name of readdirSync(host)) walk(join(host, name), path === '/' ? `/${name}` : `${path}/${name}`);
    } else {
      out.set(path, { data: readFileSync(host), mtimeMs: stats.mtimeMs });
    }
  };
  walk(root, '/');
  return out;
}

describe('MapFS conformance', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture({ symlinks: false });
  });
  afterAll(() => fixture.remove());

  it('serves the standard fixture exactly as it is on disk', async () => {
    const fs = new MapFS(entriesFromDisk(fixture.root));
    expect(await checkFileSystem(fs, fixture.root)).toEqual([]);
    await fs.close();
  });

  it('is caught by the kit when it serves something else', async () => {
    const entries = entriesFromDisk(fixture.root);
    entries.set('/hello.txt', { data: 'Hello, hotfs?\n', mtimeMs: (entries.get('/hello.txt') as { mtimeMs: number }).mtimeMs });
    const fs = new MapFS(entries);
    expect(await checkFileSystem(fs, fixture.root)).toContainEqual(expect.stringMatching(/readAll \/hello\.txt: bytes differ/));
  });
});

describe('MapFS reading', () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const fs = new MapFS({ '/a.txt': 'héllo', '/bin/data': bytes, '/docs/guide/deep.md': { data: '# deep', mtimeMs: 1234 }, '/empty/': {} });

  it('serves strings as UTF-8 and bytes as given, with implied and explicit directories', async () => {
    expect(text(await readFile(fs, '/a.txt'))).toBe('héllo');
    expect([...(await readFile(fs, '/bin/data'))]).toEqual([...bytes]);
    expect((await fs.stat('/a.txt')).size).toBe(6);
    expect(await fs.stat('/docs/guide/deep.md')).toMatchObject({ name: 'deep.md', size: 6, mtimeMs: 1234, isDirectory: false });
    expect(await fs.stat('/docs/guide')).toMatchObject({ name: 'guide', size: 0, isDirectory: true });
    expect(await fs.readdir('/empty')).toEqual([]);
    expect((await fs.stat('/')).name).toBe('/');
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a.txt', 'bin', 'docs', 'empty']);
  });

  it('cleans request paths and answers misses and misuse with FsErrors', async () => {
    expect((await fs.stat('//docs/../a.txt')).name).toBe('a.txt');
    expect(isFsError(await rejection(fs.open('/nope')), 'ENOENT')).toBe(true);
    expect(isFsError(await rejection(fs.readdir('/a.txt')), 'ENOTDIR')).toBe(true);
    expect(isFsError(await rejection(fs.stat('/a\0')), 'EINVAL')).toBe(true);
    expect(await fs.tryStat('/nope')).toBeUndefined();
    expect(await fs.tryOpen('/a.txt/child')).toBeUndefined();
    const dir = await fs.open('/docs');
    expect(isFsError(await rejection(dir.read(new Uint8Array(4), 0)), 'EISDIR')).toBe(true);
    expect((await dir.readdir()).map((i) => i.name)).toEqual(['guide']);
  });

  it('copies content on set and hands out the held bytes without another copy', () => {
    const given = new Uint8Array([9, 9, 9]);
    const local = new MapFS({ '/x': given });
    given[0] = 0;
    const file = local.tryOpenSync('/x')!;
    expect(hasBytes(file) && hasStatSync(file)).toBe(true);
    const held = file.bytes!();
    expect([...held]).toEqual([9, 9, 9]);
    expect(local.tryOpenSync('/x')!.bytes!()).toBe(held);
  });

  it('gives each content a strong etag that changes with the content only', async () => {
    const local = new MapFS({ '/a': 'same', '/b': 'same', '/c': 'other' });
    const [a, b, c] = await Promise.all(['/a', '/b', '/c'].map((p) => local.stat(p)));
    expect(a!.etag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a!.weakEtag).toBeUndefined();
    expect(b!.etag).toBe(a!.etag);
    expect(c!.etag).not.toBe(a!.etag);
  });

  it('keeps the opened version after set and delete', async () => {
    const local = new MapFS({ '/f': 'one' });
    const file = await local.open('/f');
    local.set('/f', 'two, longer');
    expect(text(await readAll(file))).toBe('one');
    expect((await file.stat()).size).toBe(3);
    local.delete('/f');
    const into = new Uint8Array(8);
    expect(text(into.subarray(0, await file.read(into, 0)))).toBe('one');
    await file.close();
    await file.close();
    expect(isFsError(await rejection(file.stat()), 'EBADF')).toBe(true);
  });

  it('rejects every call with EBADF after close', async () => {
    const local = new MapFS({ '/f': 'x' });
    const file = await local.open('/f');
    await local.close();
    expect(isFsError(await rejection(local.stat('/f')), 'EBADF')).toBe(true);
    expect(() => local.tryOpenSync('/f')).toThrow(/EBADF/);
    expect(() => local.set('/g', 'y')).toThrow(/EBADF/);
    expect(text(await readAll(file))).toBe('x');
  });
});

describe('MapFS bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['a relative path', () => new MapFS({ 'a.txt': 'x' }), /"a\.txt" is not a clean absolute path/],
    ['a path with ..', () => new MapFS({ '/a/../b': 'x' }), /"\/a\/\.\.\/b" is not a clean/],
    ['a double slash', () => new MapFS({ '/a//b': 'x' }), /"\/a\/\/b" is not a clean/],
    ['a NUL', () => new MapFS({ '/a\0': 'x' }), /is not a clean/],
    ['a file under a file', () => new MapFS({ '/a': 'x', '/a/b': 'y' }), /'\/a' would be both a file and a directory/],
    ['a file over an implied directory', () => new MapFS({ '/a/b': 'y', '/a': 'x' }), /'\/a' would be both/],
    ['a file and a directory key', () => new MapFS({ '/a': 'x', '/a/': {} }), /'\/a' would be both/],
    ['a number', () => new MapFS({ '/a': 5 as unknown as string }), /value of "\/a" must be a string, a Uint8Array/],
    ['null', () => new MapFS({ '/a': null as unknown as string }), /value of "\/a" must be/],
    ['content for a directory key', () => new MapFS({ '/a/': 'x' }), /directory "\/a\/" cannot hold content/],
    ['a file entry without data', () => new MapFS({ '/a': {} }), /data of "\/a" must be a string or a Uint8Array/],
    ['an unknown field', () => new MapFS({ '/a': { data: 'x', mtime: 1 } as MapFSValue }), /unknown field 'mtime'/],
    ['a bad mtime', () => new MapFS({ '/a': { data: 'x', mtimeMs: Number.NaN } }), /mtimeMs of "\/a" must be a finite number/],
    ['an array of entries', () => new MapFS([['/a', 'x']] as unknown as Record<string, string>), /plain object or a Map/],
    ['set over a directory', () => new MapFS({ '/d/f': 'x' }).set('/d', 'y'), /'\/d' would be both/],
    ['delete of a relative path', () => new MapFS().delete('d'), /"d" is not a clean absolute path/],
  ];
  it.each(cases)('refuses %s with a TypeError naming the path', (_, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it('leaves the tree unchanged after a refused set', async () => {
    const fs = new MapFS({ '/a': 'x' });
    expect(() => fs.set('/a/b/c', 'y')).toThrow(/'\/a' would be both/);
    expect(() => fs.set('/a/', {})).toThrow(/'\/a' would be both/);
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a']);
    expect(await fs.tryStat('/a/b')).toBeUndefined();
  });
});

describe('MapFS change feed', () => {
  function watched(fs: MapFS): { events: string[]; seen: string[] } {
    const events: string[] = [];
    const seen: string[] = [];
    fs.watch((event: ChangeEvent) => {
      events.push(`${event.type} ${event.path}`);
      // What a listener sees at event time: the change is already visible.
      const file = fs.tryOpenSync(event.path);
      seen.push(file ? `${event.path} ${file.statSync!().isDirectory ? 'dir' : text(file.bytes!())}` : `${event.path} gone`);
    });
    return { events, seen };
  }

  it('announces new directories top down, then the file, each visible at event time', () => {
    const fs = new MapFS({ '/old.txt': 'x' });
    expect(hasChangeFeed(fs) && hasTryOpenSync(fs)).toBe(true);
    const { events, seen } = watched(fs);
    fs.set('/a/b/c.txt', 'C');
    fs.set('/a/b/c.txt', 'C2');
    fs.set('/old.txt', 'y');
    fs.set('/e/', {});
    expect(events).toEqual(['addDir /a', 'addDir /a/b', 'add /a/b/c.txt', 'change /a/b/c.txt', 'change /old.txt', 'addDir /e']);
    expect(seen).toEqual(['/a dir', '/a/b dir', '/a/b/c.txt C', '/a/b/c.txt C2', '/old.txt y', '/e dir']);
  });

  it('removes a directory subtree, announcing unlinkDir once it is gone', async () => {
    const fs = new MapFS({ '/d/x': '1', '/d/sub/y': '2', '/keep': '3' });
    const { events, seen } = watched(fs);
    expect(fs.delete('/d/')).toBe(true);
    expect(fs.delete('/d')).toBe(false);
    expect(fs.delete('/keep')).toBe(true);
    expect(events).toEqual(['unlinkDir /d', 'unlink /keep']);
    expect(seen).toEqual(['/d gone', '/keep gone']);
    expect(await fs.tryStat('/d/sub/y')).toBeUndefined();
    expect(await fs.readdir('/')).toEqual([]);
    fs.set('/d/sub/y', 'new');
    expect(await fs.readdir('/d')).toMatchObject([{ name: 'sub' }]);
  });

  it("empties the tree on delete('/'), announcing each top-level entry", () => {
    const fs = new MapFS({ '/a': '1', '/b/c': '2' });
    const { events } = watched(fs);
    expect(fs.delete('/')).toBe(true);
    expect(events).toEqual(['unlink /a', 'unlinkDir /b']);
  });

  it('dates the parent directory and refreshes its listing on add and remove', async () => {
    const fs = new MapFS({ '/d/': { mtimeMs: 1000 }, '/d/f': { data: 'x', mtimeMs: 5 } });
    expect((await fs.stat('/d')).mtimeMs).toBe(1000);
    expect((await fs.readdir('/d')).map((i) => i.size)).toEqual([1]);
    fs.set('/d/f', { data: 'xyz', mtimeMs: 6 });
    expect((await fs.stat('/d')).mtimeMs).toBe(1000);
    expect((await fs.readdir('/d')).map((i) => i.size)).toEqual([3]);
    const before = Date.now();
    fs.set('/d/g', 'y');
    expect((await fs.stat('/d')).mtimeMs).toBeGreaterThanOrEqual(before);
    expect((await fs.readdir('/')).find((i) => i.name === 'd')!.mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('stops a listener, survives one that throws, and drops all on close', async () => {
    const fs = new MapFS();
    const heard: string[] = [];
    const stop = fs.watch(() => heard.push('a'));
    fs.watch(() => {
      throw new Error('listener bug');
    });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args[0]);
    try {
      fs.set('/x', '1');
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([expect.stringMatching(/listener threw: listener bug/)]);
    stop();
    stop();
    fs.set('/y', '2');
    expect(heard).toEqual(['a']);
  });
});

describe('the README MapFS example', () => {
  it('runs as written there', async () => {
    const pngBytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const logged: string[] = [];
    const console = { log: (...args: unknown[]) => logged.push(args.join(' ')) };
    // From here to `stop()`: the README's example.
    const fs = new MapFS({
      '/index.html': '<h1>hi</h1>', // a string is served as UTF-8
      '/logo.png': { data: pngBytes, mtimeMs: Date.parse('2024-01-01') },
      '/uploads/': {}, // a key ending in / is a directory (here empty)
    });
    const stop = fs.watch(({ type, path }) => console.log(type, path));
    fs.set('/docs/a.md', '# A'); // addDir /docs, then add /docs/a.md: each once visible
    fs.delete('/docs'); // unlinkDir /docs: the whole subtree is gone
    stop();
    expect(logged).toEqual(['addDir /docs', 'add /docs/a.md', 'unlinkDir /docs']);
    expect((await fs.stat('/logo.png')).mtimeMs).toBe(Date.parse('2024-01-01'));
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['index.html', 'logo.png', 'uploads']);
  });
});
