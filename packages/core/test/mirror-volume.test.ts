// Guards the memfs internals MemFS relies on (src/mirror/volume.ts). If a memfs upgrade breaks
// them, this fails loudly: update volume.ts for the new internals, then the pinned version below.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Volume, mirrorVolume, removeTree, storeFile } from '../src/mirror/volume.js';

// As the process had them before any file was stored.
const [getuid, getgid] = [process.getuid, process.getgid];

describe('memfs internals used by MemFS', () => {
  it('are those of the pinned memfs version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const installed = createRequire(import.meta.url)('memfs/package.json') as { version: string };
    expect(pkg.dependencies.memfs).toBe('4.80.1'); // exact pin, no range
    expect(installed.version).toBe(pkg.dependencies.memfs);
  });

  it('storeFile returns the very bytes the Volume holds, exact size, without a copy', () => {
    const vol = new Volume();
    const view = storeFile(vol, '/a.bin', Buffer.from('hello world'));
    expect(vol.readFileSync('/a.bin', 'utf8')).toBe('hello world');
    expect(Buffer.from(view).toString()).toBe('hello world');
    expect(view.length).toBe(11);
    const big = storeFile(vol, '/big.bin', Buffer.alloc(100_000, 1));
    expect(big.buffer.byteLength).toBe(100_000); // exact size, not a doubling buffer
    view[0] = 'J'.charCodeAt(0); // a write through the view shows in the Volume: it IS the storage
    expect(vol.readFileSync('/a.bin', 'utf8')).toBe('Jello world');
  });

  it('keeps an earlier view intact when the file is stored again', () => {
    const vol = new Volume();
    const first = storeFile(vol, '/a.txt', Buffer.from('first'));
    const second = storeFile(vol, '/a.txt', Buffer.from('second!'));
    expect(Buffer.from(first).toString()).toBe('first');
    expect(Buffer.from(second).toString()).toBe('second!');
    expect(first.buffer !== second.buffer || first.byteOffset !== second.byteOffset).toBe(true);
  });

  it('removeTree frees every inode of a tree', () => {
    const vol = new Volume();
    const inodes = () => (vol as unknown as { _core: { inodes: Record<string, unknown> } })._core.inodes;
    const before = Object.keys(inodes()).length;
    vol.mkdirSync('/d/e', { recursive: true });
    storeFile(vol, '/d/e/f.txt', Buffer.alloc(1000));
    storeFile(vol, '/d/g.txt', Buffer.alloc(1000));
    expect(Object.keys(inodes()).length).toBe(before + 4);
    removeTree(vol, '/d');
    expect(vol.existsSync('/d')).toBe(false);
    expect(Object.keys(inodes()).length).toBe(before);
  });

  it('stores into the directory that stands at the path now, after a removeTree and a new mkdir there', () => {
    const vol = mirrorVolume();
    vol.mkdirSync('/d');
    storeFile(vol, '/d/old.txt', Buffer.from('old'));
    removeTree(vol, '/d');
    vol.mkdirSync('/d');
    storeFile(vol, '/d/new.txt', Buffer.from('new'));
    expect(vol.readdirSync('/d')).toEqual(['new.txt']);
    expect(vol.readFileSync('/d/new.txt', 'utf8')).toBe('new');
  });

  it('a mirror Volume makes nodes with the process ids, and leaves process.getuid and getgid as they were', () => {
    const vol = mirrorVolume();
    vol.mkdirSync('/d');
    storeFile(vol, '/d/a.txt', Buffer.from('a'));
    expect(process.getuid).toBe(getuid);
    expect(process.getgid).toBe(getgid);
    const stats = vol.statSync('/d/a.txt');
    expect([stats.uid, stats.gid]).toEqual([process.getuid?.() ?? 0, process.getgid?.() ?? 0]);
    expect(vol.readFileSync('/d/a.txt', 'utf8')).toBe('a');
  });

  it('slims file nodes: no Dates, fan-outs or children Map of their own, and the Volume still works', () => {
    const vol = new Volume();
    vol.mkdirSync('/d');
    storeFile(vol, '/d/a.txt', Buffer.from('a'));
    storeFile(vol, '/d/b.txt', Buffer.from('b'));
    storeFile(vol, '/d/b.txt', Buffer.from('b2')); // a new version is slimmed too
    const internals = vol as unknown as { _core: { getLinkOrThrow(p: string): { children: Map<string, unknown>; changes: unknown; getNode(): Record<string, unknown> } } };
    const link = (p: string) => internals._core.getLinkOrThrow(p);
    const [a, b, d] = [link('/d/a.txt'), link('/d/b.txt'), link('/d')];
    expect(a.children).toBe(b.children);
    expect(a.changes).toBe(b.getNode().changes);
    expect(a.getNode()._mtime).toBe(b.getNode()._atime);
    expect(() => a.children.set('x', undefined)).toThrow(/review src\/mirror\/volume.ts/);
    expect(d.children).not.toBe(a.children); // directories keep their own
    expect(d.children.has('a.txt')).toBe(true);
    // What MirrorStore does with the Volume keeps working on slimmed files.
    expect(vol.readdirSync('/d')).toEqual(['a.txt', 'b.txt']);
    expect(vol.readFileSync('/d/b.txt', 'utf8')).toBe('b2');
    expect(vol.existsSync('/d/a.txt/x')).toBe(false);
    expect(() => vol.mkdirSync('/d/a.txt/x')).toThrow(/ENOTDIR/);
    expect(() => storeFile(vol, '/d/a.txt/x', Buffer.from('x'))).toThrow(/ENOTDIR/);
    expect(() => storeFile(vol, '/d', Buffer.from('x'))).toThrow(/EISDIR/);
    expect(() => storeFile(vol, '/missing/x', Buffer.from('x'))).toThrow(/ENOENT/);
    expect(storeFile(vol, '/e1', new Uint8Array(0))).toBe(storeFile(vol, '/e2', Buffer.alloc(0))); // one empty buffer
    expect(vol.readFileSync('/e1', 'utf8')).toBe('');
    removeTree(vol, '/d/a.txt');
    removeTree(vol, '/d');
    expect(vol.existsSync('/d')).toBe(false);
  });

  it('holds a small file in well under 1 KiB of heap besides its bytes', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
    const vol = new Volume();
    for (let d = 0; d < 50; d++) vol.mkdirSync(`/d${d}`);
    const before = heap();
    for (let i = 0; i < 5000; i++) storeFile(vol, `/d${i % 50}/f${i}.txt`, Buffer.allocUnsafeSlow(16));
    const perFile = (heap() - before) / 5000;
    expect(vol.readdirSync('/d0')).toHaveLength(100); // keeps the Volume alive until it is measured
    // memfs's own objects cost ~1.6 KiB per file; slimmed, ~0.6 KiB.
    expect(perFile).toBeLessThan(1000);
  });
});
