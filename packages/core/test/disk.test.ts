import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, FsError, SYNC_READ_LIMIT, readFile, tryOpen } from '@hotfs/core';
import { checkFileSystem, createFixture, type Fixture } from '@hotfs/core/conformance';
import { isRoot, unprivileged, unprivilegedBlocker } from '../../../test-support/unprivileged.mjs';
import { probePermissions } from './fixtures/disk-eacces.mjs';

const eaccesProbe = fileURLToPath(new URL('./fixtures/disk-eacces.mjs', import.meta.url));
const eaccesBlocker = unprivilegedBlocker(eaccesProbe);
if (eaccesBlocker) console.warn(`disk.test.ts: the EACCES case cannot run: ${eaccesBlocker}`);

let fixture: Fixture;
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture.remove();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return (err as FsError).code;
  }
}

describe('DiskFS', () => {
  it('passes the conformance suite', async () => {
    const fs = new DiskFS(fixture.root);
    expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
  });

  it('rejects a missing root and a file as root, naming them', () => {
    expect(() => new DiskFS(join(fixture.root, 'nope'))).toThrow(/cannot serve root directory .*nope/);
    expect(() => new DiskFS(join(fixture.root, 'hello.txt'))).toThrow(/hello\.txt.* is not a directory/);
    expect(() => new DiskFS('')).toThrow(TypeError);
  });

  it('rejects bad options by name', () => {
    expect(() => new DiskFS(fixture.root, { symlinks: 'sometimes' as never })).toThrow(/option 'symlinks' must be one of/);
    expect(() => new DiskFS(fixture.root, { io: 'blocking' as never })).toThrow(/option 'io' must be 'sync' or 'async'; got "blocking"/);
    expect(() => new DiskFS(fixture.root, { symlink: 'never' } as never)).toThrow(/^unknown DiskFS option 'symlink'$/);
    expect(() => new DiskFS(fixture.root, 'async' as never)).toThrow(/DiskFS options must be an object; got "async"/);
    expect(() => new DiskFS(fixture.root, null as never)).toThrow(/DiskFS options must be an object; got null/);
    // The same checks without a root: nothing is opened or even looked at.
    expect(() => DiskFS.checkOptions({ logger: console } as never)).toThrow(TypeError);
    expect(() => DiskFS.checkOptions({ logger: console } as never)).toThrow(/unknown DiskFS option 'logger'/);
    expect(() => DiskFS.checkOptions({ io: 'blocking' as never })).toThrow(/option 'io'/);
    expect(() => DiskFS.checkOptions({ symlinks: 'never', io: 'async' })).not.toThrow();
  });

  it('hides links that point outside the root by default, and dangling ones', async () => {
    const fs = new DiskFS(fixture.root);
    expect(await codeOf(fs.open('/link-outside.txt'))).toBe('ENOENT');
    expect(await codeOf(fs.open('/link-parent/secret.txt'))).toBe('ENOENT');
    expect(await codeOf(fs.stat('/link-dangling'))).toBe('ENOENT');
    const names = (await fs.readdir('/')).map((i) => i.name);
    expect(names).toContain('link-inside.txt');
    expect(names).toContain('link-dir');
    expect(names).not.toContain('link-outside.txt');
    expect(names).not.toContain('link-parent');
    expect(names).not.toContain('link-dangling');
    expect(new TextDecoder().decode(await readFile(fs, '/link-dir/deep.md'))).toBe('# deep\n');
  });

  it("follows every link with symlinks: 'follow' (Go's http.Dir)", async () => {
    const fs = new DiskFS(fixture.root, { symlinks: 'follow' });
    expect(Buffer.from(await readFile(fs, '/link-outside.txt')).equals(Buffer.from(fixture.secret))).toBe(true);
    expect((await fs.readdir('/')).map((i) => i.name)).toContain('link-outside.txt');
  });

  it("follows no link with symlinks: 'never'", async () => {
    const fs = new DiskFS(fixture.root, { symlinks: 'never' });
    expect(await codeOf(fs.open('/link-inside.txt'))).toBe('ENOENT');
    expect(await codeOf(fs.open('/link-dir/deep.md'))).toBe('ENOENT');
    expect((await fs.readdir('/')).map((i) => i.name).filter((n) => n.startsWith('link-'))).toEqual([]);
    expect(await readFile(fs, '/hello.txt')).toHaveLength(14);
  });

  it('reports symlink loops as ELOOP under follow and hides them under inside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-loop-'));
    try {
      await symlink('self', join(dir, 'self'));
      await symlink('b', join(dir, 'a'));
      await symlink('a', join(dir, 'b'));
      expect(await codeOf(new DiskFS(dir, { symlinks: 'follow' }).open('/self'))).toBe('ELOOP');
      expect(await codeOf(new DiskFS(dir).open('/a'))).toBe('ELOOP');
      expect(await new DiskFS(dir).readdir('/')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  // Root reads everything: as root, the probe runs in a child process as nobody.
  it.skipIf(eaccesBlocker !== undefined && !process.env.CI)('maps permission errors to EACCES, in both io modes', async () => {
    expect(eaccesBlocker, 'CI must run this permission check').toBeUndefined();
    let result: Awaited<ReturnType<typeof probePermissions>>;
    if (isRoot) {
      const child = spawnSync(process.execPath, [eaccesProbe], { ...unprivileged, encoding: 'utf8', timeout: 20_000 });
      expect(child.status, child.stderr).toBe(0);
      result = JSON.parse(child.stdout) as typeof result;
    } else {
      result = await probePermissions();
    }
    expect(result.uid).not.toBe(0);
    const denied = 'FsError EACCES';
    for (const io of ['sync', 'async'] as const) {
      expect(result[io], io).toEqual({ open: denied, tryOpen: denied, openInside: denied, readdirLockedDir: denied });
    }
  });

  it('never names a host path in its errors', async () => {
    const fs = new DiskFS(fixture.root);
    const err = (await fs.open('/missing/file.txt').catch((e: unknown) => e)) as FsError;
    expect(err).toBeInstanceOf(FsError);
    expect(err.path).toBe('/missing/file.txt');
    expect(err.message).not.toContain(fixture.root);
  });

  it('answers tryOpen misses with undefined and closes cleanly', async () => {
    const fs = new DiskFS(fixture.root);
    expect(await tryOpen(fs, '/nope')).toBeUndefined();
    expect(await tryOpen(fs, '/hello.txt/nope')).toBeUndefined();
    await fs.close();
    expect(await codeOf(fs.open('/hello.txt'))).toBe('EBADF');
  });

  it('sees changes on disk at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-live-'));
    try {
      const fs = new DiskFS(dir);
      expect(await fs.readdir('/')).toEqual([]);
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'sub', 'x.txt'), 'abc');
      expect((await fs.stat('/sub/x.txt')).size).toBe(3);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it("offers bytes() for small files only, with io: 'sync', read once from the opened descriptor", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-small-'));
    try {
      await writeFile(join(dir, 'small.txt'), 'a'.repeat(SYNC_READ_LIMIT));
      await writeFile(join(dir, 'large.bin'), Buffer.alloc(SYNC_READ_LIMIT + 1, 7));
      const fs = new DiskFS(dir);
      const small = fs.tryOpenSync!('/small.txt')!;
      const large = fs.tryOpenSync!('/large.bin')!;
      expect(typeof large.bytes).toBe('undefined');
      expect(small.statSync!().size).toBe(SYNC_READ_LIMIT);
      // Replaced by rename after the open: the open file keeps the version it opened.
      await writeFile(join(dir, 'next.txt'), 'b');
      await rename(join(dir, 'next.txt'), join(dir, 'small.txt'));
      expect(Buffer.from(small.bytes!()).toString()).toBe('a'.repeat(SYNC_READ_LIMIT));
      expect(small.bytes!()).toBe(small.bytes!());
      await small.close();
      await large.close();
      expect(() => small.bytes!()).toThrow(FsError);
      expect(new DiskFS(dir, { io: 'async' }).tryOpenSync).toBeUndefined();
      expect(typeof (await new DiskFS(dir, { io: 'async' }).open('/small.txt')).bytes).toBe('undefined');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it.each(['sync', 'async'] as const)("treats a FIFO as absent and never blocks on it (io: '%s')", async (io) => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-fifo-'));
    try {
      await writeFile(join(dir, 'a.txt'), 'a');
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      await symlink('pipe', join(dir, 'link-to-pipe'));
      const fs = new DiskFS(dir, { io });
      for (const path of ['/pipe', '/link-to-pipe']) {
        expect(await tryOpen(fs, path)).toBeUndefined();
        expect(await codeOf(fs.open(path))).toBe('ENOENT');
        expect(await codeOf(fs.stat(path))).toBe('ENOENT');
      }
      expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['a.txt']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
