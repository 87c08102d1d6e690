// The README's custom backend, verbatim, exercised through the helpers.
import { describe, expect, it } from 'vitest';
import { FsError, cleanPath, readFile, tryOpen, type File, type FileInfo, type FileSystem } from '@hotfs/core';

/** A read-only backend over a fixed map of path -> text. */
class MapFS implements FileSystem {
  constructor(private files: Map<string, string>) {}
  async stat(path: string): Promise<FileInfo> {
    const p = cleanPath(path);
    const text = this.files.get(p);
    if (text === undefined) throw new FsError('ENOENT', p);
    return { name: p.slice(p.lastIndexOf('/') + 1), size: Buffer.byteLength(text), mtimeMs: 0, isDirectory: false };
  }
  async open(path: string): Promise<File> {
    const info = await this.stat(path);
    const bytes = Buffer.from(this.files.get(cleanPath(path))!);
    let closed = false;
    const check = () => {
      if (closed) throw new FsError('EBADF', path);
    };
    return {
      stat: async () => (check(), info),
      read: async (into, position) => (check(), position >= bytes.length ? 0 : bytes.copy(into, 0, position)),
      readdir: async () => {
        check();
        throw new FsError('ENOTDIR', path);
      },
      close: async () => {
        closed = true;
      },
    };
  }
  async readdir(path: string): Promise<FileInfo[]> {
    throw new FsError('ENOTDIR', cleanPath(path));
  }
  async close() {}
}

describe('the README custom backend', () => {
  const fs = new MapFS(new Map([['/a.txt', 'héllo']]));

  it('works through the generic helpers', async () => {
    expect(Buffer.from(await readFile(fs, '/x/../a.txt')).toString()).toBe('héllo');
    expect(await tryOpen(fs, '/missing')).toBeUndefined();
    const file = await fs.open('/a.txt');
    expect(await file.read(new Uint8Array(4), 100)).toBe(0);
    await file.close();
    await expect(file.read(new Uint8Array(4), 0)).rejects.toMatchObject({ code: 'EBADF' });
  });
});
