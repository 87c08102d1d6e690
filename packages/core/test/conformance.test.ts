import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, FsError, cleanPath, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { assertFileSystem, checkFileSystem, createFixture, type Fixture } from '@hotfs/core/conformance';

let fixture: Fixture;
/** Files a faulty backend "closed" without closing; released after each test. */
const unclosed: File[] = [];
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture.remove();
});

/** DiskFS with one fault injected through the overrides. */
function broken(overrides: (disk: DiskFS) => Partial<FileSystem>, fileOverrides: (file: File) => Partial<File> = () => ({})): FileSystem {
  const disk = new DiskFS(fixture.root);
  const fs: FileSystem = {
    open: async (p) => {
      const file = await disk.open(p);
      return { ...bind(file), ...fileOverrides(file) };
    },
    stat: (p) => disk.stat(p),
    readdir: (p) => disk.readdir(p),
    close: () => disk.close(),
  };
  return { ...fs, ...overrides(disk) };
}

function bind(file: File): File {
  return { stat: () => file.stat(), read: (b, p) => file.read(b, p), readdir: () => file.readdir(), close: () => file.close() };
}

const faults: [string, () => FileSystem, RegExp][] = [
  ['an unsorted listing', () => broken((d) => ({ readdir: async (p) => (await d.readdir(p)).reverse() })), /not sorted/],
  ['a listing with a missing entry', () => broken((d) => ({ readdir: async (p) => (await d.readdir(p)).slice(1) })), /readdir \/: lists/],
  ['a wrong size in stat', () => broken((d) => ({ stat: async (p) => ({ ...(await d.stat(p)), size: 1 }) })), /stat \/hello\.txt: size is 1, want 14/],
  [
    'a validator both strong and weak',
    () => broken((d) => ({ stat: async (p) => ({ ...(await d.stat(p)), etag: 'x', weakEtag: 'x' }) })),
    /stat \/hello\.txt: sets both etag and weakEtag/,
  ],
  ['mtime in seconds', () => broken((d) => ({ stat: async (p) => ({ ...(await d.stat(p)), mtimeMs: Math.floor((await d.stat(p)).mtimeMs / 1000) }) })), /mtimeMs/],
  [
    'a read that is off by one',
    () =>
      broken(
        () => ({}),
        (f) => ({ read: (b, p) => f.read(b, p + 1) }),
      ),
    /bytes differ|bytes, want/,
  ],
  [
    'a read that returns too much past the end',
    () =>
      broken(
        () => ({}),
        (f) => ({ read: async (b, p) => (await f.read(b, p)) || (p > 0 ? 1 : 0) }),
      ),
    /returned 1, want 0/,
  ],
  [
    'raw Node errors',
    () =>
      broken((d) => ({
        stat: async (p) =>
          d.stat(p).catch(() => {
            throw new Error('ENOENT raw');
          }),
      })),
    /not an FsError/,
  ],
  [
    'a wrong error code',
    () =>
      broken((d) => ({
        open: async (p) => {
          const info = await d.stat(p);
          if (!info.isDirectory) return d.open(p);
          throw new FsError('EACCES', p);
        },
      })),
    /FsError EACCES/,
  ],
  ['no path cleaning (climbs out of the root)', () => brokenClimber(), /secret|stat "\/\.\.\//],
  ['following links out of the root', () => new DiskFS(fixture.root, { symlinks: 'follow' }), /open \/link-outside\.txt \(hidden on disk\): succeeded/],
  [
    'no NUL check',
    () => broken((d) => ({ stat: async (p) => (p.includes('\0') ? ({ name: 'x', size: 0, mtimeMs: 0, isDirectory: false } satisfies FileInfo) : d.stat(p)) })),
    /stat "\/\\u0000": succeeded, want EINVAL/,
  ],
  [
    'reads after close succeed',
    () =>
      broken(
        () => ({}),
        (f) => ({ close: async () => void unclosed.push(f) }),
      ),
    /read after close .* succeeded, want EBADF/,
  ],
  [
    'a tryOpenSync whose statSync disagrees',
    () => broken((d) => ({ tryOpenSync: (p) => withFile(d.tryOpenSync!(p), (f) => ({ statSync: () => ({ ...f.statSync!(), size: 1 }) })) })),
    /tryOpenSync\(\/hello\.txt\)\.statSync\(\): size is 1/,
  ],
  [
    'a tryOpenSync whose bytes() differ',
    () => broken((d) => ({ tryOpenSync: (p) => withFile(d.tryOpenSync!(p), (f) => ({ bytes: () => f.bytes!().subarray(1) })) })),
    /tryOpenSync\(\/hello\.txt\)\.bytes\(\): 13 bytes, want 14/,
  ],
  [
    'a tryOpenSync that throws on a miss',
    () => broken((d) => ({ tryOpenSync: (p) => d.tryOpenSync!(p) ?? thrown(new FsError('ENOENT', p)) })),
    /tryOpenSync \/does-not-exist: FsError ENOENT .*want undefined/,
  ],
  [
    'a closeSync that leaves the file open',
    () => broken((d) => ({ tryOpenSync: (p) => withFile(d.tryOpenSync!(p), () => ({ closeSync: () => {} })) })),
    /statSync\(\) after closeSync: succeeded, want EBADF/,
  ],
  [
    'a closeSync that throws',
    () => broken((d) => ({ tryOpenSync: (p) => withFile(d.tryOpenSync!(p), () => ({ closeSync: () => thrown(new Error('boom')) })) })),
    /closeSync\(\): threw .*boom/,
  ],
  [
    'a directory that reads as a file',
    () =>
      broken(
        () => ({}),
        (f) => ({ read: async (b, p) => ((await f.stat()).isDirectory ? 0 : f.read(b, p)) }),
      ),
    /read of directory \/: succeeded, want EISDIR/,
  ],
];

/** The file with some methods replaced (bound, so a spread keeps working). */
function withFile(file: File | undefined, replace: (f: File) => Partial<File>): File | undefined {
  if (file === undefined) return undefined;
  return { ...bind(file), statSync: () => file.statSync!(), ...(file.bytes ? { bytes: () => file.bytes!() } : {}), ...replace(file) };
}

function thrown(err: Error): never {
  throw err;
}

/** Resolves paths against the host directory without cleaning them first, as a naive backend might. */
function brokenClimber(): FileSystem {
  const outer = new DiskFS(`${fixture.root}/..`);
  const inner = new DiskFS(fixture.root);
  const naive = (p: string) => (p.startsWith('/..') ? `/${cleanPath(p.slice(3))}` : null);
  return {
    open: (p) => (naive(p) ? outer.open(naive(p)!) : inner.open(p)),
    stat: (p) => (naive(p) ? outer.stat(naive(p)!) : inner.stat(p)),
    readdir: (p) => inner.readdir(p),
    close: async () => {},
  };
}

describe('conformance suite', () => {
  afterEach(async () => {
    await Promise.all(unclosed.splice(0).map((f) => f.close()));
  });

  it.each(faults)('fails a backend with %s', async (_name, make, message) => {
    const failures = await checkFileSystem(make(), fixture.root, { secretPath: fixture.secretPath });
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.join('\n')).toMatch(message);
  });

  it('assertFileSystem throws with every failure listed', async () => {
    await expect(assertFileSystem(faults[0]![1](), fixture.root)).rejects.toThrow(/does not conform \(\d+ failures\):\n {2}.*not sorted/);
  });

  it.each(['sync', 'async'] as const)("passes DiskFS with io: '%s' through assertFileSystem", async (io) => {
    const fs = new DiskFS(fixture.root, { io });
    expect(fs.tryOpenSync === undefined).toBe(io === 'async');
    await expect(assertFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).resolves.toBeUndefined();
  });
});
