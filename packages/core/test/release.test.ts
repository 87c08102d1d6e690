import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, FsError, MemFS, release, type File } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { eventually } from './support.js';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture.remove();
});

const openFds = (): number => readdirSync('/proc/self/fd').length;

function expectClosed(file: File): void {
  expect(() => file.statSync!()).toThrow(FsError);
  expect(() => file.statSync!()).toThrow(/EBADF/);
}

describe('release', () => {
  it('closes a MemFS file and directory at once, through closeSync', async () => {
    const fs = await MemFS.mirror(fixture.root, { watch: false });
    try {
      for (const path of ['/hello.txt', '/']) {
        const file = fs.tryOpenSync(path)!;
        expect(typeof file.closeSync).toBe('function');
        release(file);
        expectClosed(file); // no await in between: the close was synchronous
        release(file); // twice is harmless
      }
    } finally {
      await fs.close();
    }
  });

  it("closes the descriptor of a small DiskFS file at once in io: 'sync' mode", async () => {
    const fs = new DiskFS(fixture.root, { io: 'sync' });
    const before = openFds();
    const file = fs.tryOpenSync!('/hello.txt')!;
    expect(openFds()).toBe(before + 1);
    expect(typeof file.closeSync).toBe('function');
    release(file);
    expect(openFds()).toBe(before);
    expectClosed(file);
  });

  it("closes a file without closeSync in the background (DiskFS io: 'async')", async () => {
    const fs = new DiskFS(fixture.root, { io: 'async' });
    const before = openFds();
    const file = await fs.open('/hello.txt');
    expect(typeof file.closeSync).toBe('undefined');
    expect(openFds()).toBe(before + 1);
    release(file);
    await eventually(() => expect(openFds()).toBe(before));
  });

  it('swallows a close that rejects or a closeSync that throws: no unhandled rejection, no throw', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const disk = await new DiskFS(fixture.root).open('/hello.txt');
      let closes = 0;
      // Resolved one macrotask after the close rejects: by then Node has reported the rejection
      // if nothing handled it (it does so before the event loop moves on).
      let rejectionProcessed!: () => void;
      const processed = new Promise<void>((resolve) => (rejectionProcessed = resolve));
      const rejecting: File = {
        stat: () => disk.stat(),
        read: (b, p) => disk.read(b, p),
        readdir: () => disk.readdir(),
        close: async () => {
          closes++;
          await disk.close();
          setImmediate(rejectionProcessed);
          throw new Error('close failed');
        },
      };
      const throwing: File = {
        ...rejecting,
        closeSync: () => {
          closes++;
          throw new Error('closeSync failed');
        },
      };
      expect(() => release(rejecting)).not.toThrow();
      expect(() => release(throwing)).not.toThrow();
      expect(closes).toBe(2);
      await processed;
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
