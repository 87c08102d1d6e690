import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, renameSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { INSIDE, SECRET_MARK, layRaceTree, raceReads, startRacer, type RaceSeen } from '../../../test-support/link-race.mjs';
import { openedAllowedSync, portableAllowed, portableAllowedSync, type Containment } from '../src/contain.js';
import { DiskFS as SourceDiskFS } from '../src/disk.js';
import { listCheckedDirectory } from '../src/host-dir.js';
import { MirrorStore } from '../src/mirror/store.js';
import { syncPath, type SyncContext } from '../src/mirror/sync.js';

// Every host open checks what it opened: a racer process swaps links under the root in a tight
// loop (a file between inside and a secret outside; a directory between a real one and a link
// outside) while each backend reads and lists through them.
const backends: Array<[string, (root: string) => Promise<FileSystem>]> = [
  ["DiskFS io 'sync'", async (root) => new DiskFS(root)],
  ["DiskFS io 'async'", async (root) => new DiskFS(root, { io: 'async' })],
  ['MemFS', (root) => MemFS.mirror(root, { settleMs: 5 })],
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('containment under a link racer', () => {
  for (const [name, make] of backends) {
    it(`${name}: thousands of reads and listings, not one byte or name from outside`, async () => {
      const tree = layRaceTree();
      cleanups.push(() => tree.remove());
      const fs = await make(tree.root);
      cleanups.push(() => fs.close());
      const racer = await startRacer(tree.base, 30_000);
      // The mirror reads on watcher events, which a racer this fast floods and coalesces: rescans
      // make it also read the tree as it stands, again and again, while the links move.
      let racing = true;
      const rescans =
        fs instanceof MemFS
          ? (async () => {
              while (racing) await fs.rescan();
            })()
          : undefined;
      const seen = await raceReads(fs, 3000, 12_000).finally(async () => {
        racing = false;
        await rescans;
        expect(await racer.stop()).toBeGreaterThan(0);
      });
      expect(seen.leak).toBeUndefined();
      expect(seen.leaks).toBe(0);
      // Not vacuous: the inside content and names did come through, many times.
      expect(seen.rounds).toBeGreaterThan(500);
      expect(seen.insideLink).toBeGreaterThan(0);
      expect(seen.insideNested).toBeGreaterThan(0);
      expect(seen.insideListing).toBeGreaterThan(0);
    }, 60_000);
  }
});

const namespaces = spawnSync('unshare', ['-U', '-r', '-m', 'true']).status === 0;

describe('containment under a link racer, without /proc', () => {
  it.skipIf(!namespaces && !process.env.CI)(
    'the portable check (realpath, then the same inode) keeps every backend inside while file links swap',
    () => {
      // /proc hidden under an empty tmpfs in a user + mount namespace: only this child is affected.
      const script = fileURLToPath(new URL('./fixtures/race-no-proc.mjs', import.meta.url));
      const child = spawnSync('unshare', ['-U', '-r', '-m', 'sh', '-c', 'mount -t tmpfs tmpfs /proc && exec "$1" "$2" 1500', 'sh', process.execPath, script], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(child.status, child.stderr).toBe(0);
      const results = JSON.parse(child.stdout) as Record<string, RaceSeen> & { procFd: boolean };
      expect(results.procFd).toBe(false);
      for (const name of ['sync', 'async', 'mem']) {
        const seen = results[name]!;
        expect([name, seen.leak, seen.leaks]).toEqual([name, undefined, 0]);
        expect(seen.rounds, name).toBeGreaterThan(300);
        expect(Math.min(seen.insideLink, seen.insideNested, seen.insideListing), name).toBeGreaterThan(0);
      }
    },
    120_000,
  );
});

describe('the descriptor check, without the race', () => {
  // A link swapped after the open: the descriptor holds the secret, the path now leads inside.
  function openedThenSwapped(policy: Containment['symlinks']): { c: Containment; host: string; fd: number; opened: Stats } {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    const host = join(tree.root, 'link');
    const tmp = join(tree.base, 'swap');
    symlinkSync(join(tree.base, 'secret.txt'), tmp);
    renameSync(tmp, host);
    const fd = openSync(host, 'r');
    cleanups.push(() => closeSync(fd));
    symlinkSync(join(tree.root, 'inside.txt'), tmp);
    renameSync(tmp, host);
    return { c: { root: tree.root, symlinks: policy }, host, fd, opened: fstatSync(fd) };
  }

  it('refuses a descriptor that holds a file outside the root, though its path now leads inside', async () => {
    const { c, host, fd, opened } = openedThenSwapped('inside');
    expect(openedAllowedSync(c, fd, host, opened)).toBe(false);
    // The portable check (no /proc): by inode, through a fresh lookup.
    expect(portableAllowedSync(c, host, opened)).toBe(false);
    expect(await portableAllowed(c, host, opened)).toBe(false);
  });

  it("accepts what the policy serves: a link inside for 'inside', anything for 'follow'", async () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    const host = join(tree.root, 'link');
    const fd = openSync(host, 'r');
    cleanups.push(() => closeSync(fd));
    const opened = fstatSync(fd);
    const inside: Containment = { root: tree.root, symlinks: 'inside' };
    expect(openedAllowedSync(inside, fd, host, opened)).toBe(true);
    expect(portableAllowedSync(inside, host, opened)).toBe(true);
    expect(await portableAllowed(inside, host, opened)).toBe(true);
    // 'never': a link, even one inside, is refused; the plain file is served.
    const never: Containment = { root: tree.root, symlinks: 'never' };
    expect(openedAllowedSync(never, fd, host, opened)).toBe(false);
    expect(portableAllowedSync(never, host, opened)).toBe(false);
    const plain = join(tree.root, 'inside.txt');
    const plainFd = openSync(plain, 'r');
    cleanups.push(() => closeSync(plainFd));
    expect(openedAllowedSync(never, plainFd, plain, fstatSync(plainFd))).toBe(true);
    expect(portableAllowedSync(never, plain, fstatSync(plainFd))).toBe(true);
    const { c, host: swapped, fd: secretFd, opened: secretStats } = openedThenSwapped('follow');
    expect(openedAllowedSync(c, secretFd, swapped, secretStats)).toBe(true);
  });

  it('the portable check refuses a file replaced at the same path after the open', () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    const host = join(tree.root, 'inside.txt');
    const fd = openSync(host, 'r');
    cleanups.push(() => closeSync(fd));
    const opened = fstatSync(fd);
    writeFileSync(join(tree.base, 'new'), 'other');
    renameSync(join(tree.base, 'new'), host);
    expect(portableAllowedSync({ root: tree.root, symlinks: 'inside' }, host, opened)).toBe(false);
  });
});

describe('listings and mirrored metadata, with a link swapped in at a known moment', () => {
  // The directory /d swapped for a link to a directory outside the root.
  function swapDirOut(tree: { base: string; root: string }): void {
    renameSync(join(tree.root, 'd'), join(tree.base, 'd-moved'));
    symlinkSync(join(tree.base, 'outside-dir'), join(tree.root, 'd'));
  }

  it('a listing names what the checked descriptor holds, though its path now leads outside', async () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    const c: Containment = { root: tree.root, symlinks: 'inside' };
    const names = await listCheckedDirectory(c, join(tree.root, 'd'), async (dir) => {
      swapDirOut(tree);
      return readdirSync(dir).sort();
    });
    expect(names).toEqual(['f.txt', 'inside-name.txt']);
    // Opened through the link, it is refused before anything is listed.
    let listed = false;
    const refused = await listCheckedDirectory(c, join(tree.root, 'd'), async () => (listed = true));
    expect([refused, listed]).toEqual([undefined, false]);
  });

  // The sync engine with a store of its own. The hooks run at known moments: `ignored` as a listed
  // entry is taken up (before its stat), `fits` after a file's stat and before its metadata is kept.
  function mirrorContext(root: string, hooks: { ignored?: (path: string) => void; fits?: () => boolean | void }): { ctx: SyncContext; retried: string[] } {
    const retried: string[] = [];
    const ctx: SyncContext = {
      store: new MirrorStore(),
      disk: new SourceDiskFS(root),
      ignored: (path) => {
        hooks.ignored?.(path);
        return false;
      },
      fits: () => hooks.fits?.() === true,
      changed: () => {},
      unstable: (path) => retried.push(path),
      newDirectory: () => {},
      warn: () => {},
      readSlot: (read) => read(),
    };
    return { ctx, retried };
  }

  it('the mirror records no metadata of an outside file swapped in for one it keeps on disk', async () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    const secretSize = fstatSync(openSync(join(tree.base, 'outside-dir', 'secret-name.txt'), 'r')).size;
    let swapped = false;
    const { ctx, retried } = mirrorContext(tree.root, {
      fits: () => {
        if (swapped) return;
        swapped = true;
        const tmp = join(tree.base, 'swap');
        symlinkSync(join(tree.base, 'outside-dir', 'secret-name.txt'), tmp);
        renameSync(tmp, join(tree.root, 'inside.txt'));
      },
    });
    await syncPath(ctx, '/', true);
    expect(swapped).toBe(true);
    // Not recorded with the outside file's metadata, and looked at again (where the link is refused).
    expect(ctx.store.get('/inside.txt')?.info.size).not.toBe(secretSize);
    expect(retried).toContain('/inside.txt');
    await syncPath(ctx, '/inside.txt', false);
    expect(ctx.store.get('/inside.txt')).toBeUndefined();
  });

  it('the mirror reads no byte from outside when a listed file is swapped for a link before its read', async () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    let swapped = false;
    const { ctx, retried } = mirrorContext(tree.root, {
      ignored: (path) => {
        if (path !== '/inside.txt' || swapped) return;
        swapped = true;
        const tmp = join(tree.base, 'swap');
        symlinkSync(join(tree.base, 'secret.txt'), tmp);
        renameSync(tmp, join(tree.root, 'inside.txt'));
      },
      fits: () => true,
    });
    // Past the quiet window of files just written: read at once, not after a wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await syncPath(ctx, '/', true);
    expect(swapped).toBe(true);
    expect(Buffer.from(ctx.store.get('/inside.txt')?.bytes ?? []).toString()).not.toContain(SECRET_MARK);
    expect(ctx.store.get('/d/f.txt')?.bytes).toEqual(INSIDE);
    expect(retried).toContain('/inside.txt');
    await syncPath(ctx, '/inside.txt', false);
    expect(ctx.store.get('/inside.txt')).toBeUndefined();
  });

  it('the mirror lists no name from outside when a listed directory is swapped for a link before its own listing', async () => {
    const tree = layRaceTree();
    cleanups.push(() => tree.remove());
    let swapped = false;
    const { ctx, retried } = mirrorContext(tree.root, {
      ignored: (path) => {
        if (path !== '/d' || swapped) return;
        swapped = true;
        swapDirOut(tree);
      },
    });
    await syncPath(ctx, '/', true);
    expect(swapped).toBe(true);
    expect(ctx.store.get('/d/secret-name.txt')).toBeUndefined();
    expect(ctx.store.childNames('/d')).not.toContain('secret-name.txt');
    expect(retried).toContain('/d');
    await syncPath(ctx, '/d', true);
    expect(ctx.store.get('/d')).toBeUndefined();
  });
});
