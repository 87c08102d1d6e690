import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Volume } from 'memfs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VolumeFS, hasBytes, hasChangeFeed, isFsError, readAll, readFile, type ChangeEvent, type VolumeFSOptions } from '@hotfs/core';
import { checkFileSystem, createFixture, type Fixture } from '@hotfs/core/conformance';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const tick = () => new Promise((r) => setTimeout(r, 0));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/**
 * Copies a host tree into a Volume at the same paths, links included, with the host's mtimes.
 * memfs keeps a time as a Date from seconds * 1000: half a millisecond keeps the float from landing below the whole one.
 */
function volumeFrom(hostDir: string, vol = new Volume()): Volume {
  const dirs: string[] = [];
  const copy = (host: string): void => {
    const stats = lstatSync(host);
    if (stats.isSymbolicLink()) vol.symlinkSync(readlinkSync(host), host);
    else if (stats.isDirectory()) {
      vol.mkdirSync(host, { recursive: true });
      dirs.push(host);
      for (const name of readdirSync(host)) copy(join(host, name));
    } else {
      vol.mkdirSync(dirname(host), { recursive: true });
      vol.writeFileSync(host, readFileSync(host));
      const t = (Math.floor(stats.mtimeMs) + 0.5) / 1000;
      vol.utimesSync(host, t, t);
    }
  };
  copy(hostDir);
  // Deepest first: giving a directory its time does not touch its parent's.
  for (const dir of dirs.reverse()) {
    const t = (Math.floor(lstatSync(dir).mtimeMs) + 0.5) / 1000;
    vol.utimesSync(dir, t, t);
  }
  return vol;
}

describe.each([true, false])('VolumeFS conformance (zeroCopy %s)', (zeroCopy) => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(() => fixture.remove());

  it('serves the standard fixture (links inside followed, links out of the root hidden)', async () => {
    const vol = volumeFrom(fixture.root);
    vol.mkdirSync(dirname(fixture.secretPath), { recursive: true });
    vol.writeFileSync(fixture.secretPath, fixture.secret);
    const fs = new VolumeFS(vol, { root: fixture.root, zeroCopy });
    expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
    await fs.close();
  });

  it('is caught by the kit when the Volume differs from the disk', async () => {
    const vol = volumeFrom(fixture.root);
    vol.writeFileSync(join(fixture.root, 'hello.txt'), 'Hello, hotfs?\n');
    const fs = new VolumeFS(vol, { root: fixture.root, zeroCopy });
    expect(await checkFileSystem(fs, fixture.root)).toContainEqual(expect.stringMatching(/readAll \/hello\.txt: bytes differ/));
  });
});

describe('VolumeFS reading', () => {
  function site(options: VolumeFSOptions = { root: '/site' }) {
    const vol = Volume.fromJSON({ '/site/index.html': '<h1>hi</h1>', '/site/docs/a.md': '# A', '/site/empty': null, '/secret.txt': 'SECRET' });
    vol.symlinkSync('/secret.txt', '/site/out');
    vol.symlinkSync('/site/docs', '/site/docs-link');
    vol.symlinkSync('../secret.txt', '/site/docs/up');
    return { vol, fs: new VolumeFS(vol, options) };
  }

  it('serves a sub-directory of the Volume, following links only inside it', async () => {
    const { fs } = site();
    expect(text(await readFile(fs, '/index.html'))).toBe('<h1>hi</h1>');
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(['docs', 'docs-link', 'empty', 'index.html']);
    expect((await fs.readdir('/docs-link')).map((i) => i.name)).toEqual(['a.md']);
    expect(await fs.stat('/docs/a.md')).toMatchObject({ name: 'a.md', size: 3, isDirectory: false });
    expect((await fs.stat('/docs/a.md')).weakEtag).toMatch(/^\w+-3-\w+$/);
    expect((await fs.stat('/')).name).toBe('/');
    for (const hidden of ['/out', '/docs/up', '/../secret.txt', '/docs/../../secret.txt', '/secret.txt']) {
      expect(await fs.tryStat(hidden)).toBeUndefined();
      expect(isFsError(await rejection(fs.open(hidden)), 'ENOENT')).toBe(true);
    }
  });

  it('answers misses and misuse with FsErrors', async () => {
    const { fs } = site();
    expect(isFsError(await rejection(fs.readdir('/index.html')), 'ENOTDIR')).toBe(true);
    expect(isFsError(await rejection(fs.readdir('/nope')), 'ENOENT')).toBe(true);
    expect(isFsError(await rejection(fs.stat('/a\0')), 'EINVAL')).toBe(true);
    expect(fs.tryOpenSync('/index.html/x')).toBeUndefined();
    const dir = await fs.open('/docs');
    expect(isFsError(await rejection(dir.read(new Uint8Array(4), 0)), 'EISDIR')).toBe(true);
    await fs.close();
    expect(isFsError(await rejection(fs.stat('/')), 'EBADF')).toBe(true);
    expect(() => fs.watch(() => {})).toThrow(/EBADF/);
  });

  it('answers a directory the process may not enter as memfs does, with EACCES, and follows a re-pointed link', async () => {
    const { vol, fs } = site();
    vol.mkdirSync('/site/locked');
    vol.writeFileSync('/site/locked/x.txt', 'x');
    expect(text(await readFile(fs, '/locked/x.txt'))).toBe('x');
    vol.chmodSync('/site/locked', 0);
    expect(isFsError(await rejection(fs.stat('/locked/x.txt')), 'EACCES')).toBe(true);
    expect(() => fs.tryOpenSync('/locked/x.txt')).toThrow(/EACCES/);
    expect(await fs.readdir('/docs-link')).toEqual(await fs.readdir('/docs'));
    vol.unlinkSync('/site/docs-link');
    vol.symlinkSync('/site/index.html', '/site/docs-link');
    expect(text(await readFile(fs, '/docs-link'))).toBe('<h1>hi</h1>');
  });

  it('shows the Volume as it is at each call, with no copy taken at construction', async () => {
    const { vol, fs } = site();
    vol.writeFileSync('/site/later.txt', 'later');
    expect(text(await readFile(fs, '/later.txt'))).toBe('later');
    vol.rmSync('/site/docs', { recursive: true });
    expect(await fs.tryStat('/docs/a.md')).toBeUndefined();
  });

  // Writing into bytes() breaks its contract; here it shows whose memory the bytes are.
  it.each([
    [true, 'X'],
    [false, '<'],
  ])("hands out the Volume's own bytes when zeroCopy is %s, else a copy", (zeroCopy, first) => {
    const { vol, fs } = site({ root: '/site', zeroCopy });
    const file = fs.tryOpenSync('/index.html')!;
    expect(hasBytes(file)).toBe(true);
    file.bytes!()[0] = 'X'.charCodeAt(0);
    expect(text(vol.readFileSync('/site/index.html') as Buffer)[0]).toBe(first);
  });

  it('falls back to copying when the memfs internals it needs are missing', () => {
    const { vol } = site();
    // The same Volume, as a memfs without `_core` would look from outside.
    const bare = new Proxy(vol, {
      get: (target, key) => {
        if (key === '_core') return undefined;
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const file = new VolumeFS(bare, { root: '/site' }).tryOpenSync('/index.html')!;
    expect(text(file.bytes!())).toBe('<h1>hi</h1>');
    file.bytes!()[0] = 'X'.charCodeAt(0);
    expect(text(vol.readFileSync('/site/index.html') as Buffer)).toBe('<h1>hi</h1>');
  });

  describe.each([true, false])('an open file keeps its version (zeroCopy %s)', (zeroCopy) => {
    const cases: [string, (vol: InstanceType<typeof Volume>) => void][] = [
      ['a rewrite', (vol) => vol.writeFileSync('/site/index.html', 'NEW CONTENT, LONGER')],
      [
        'a write in place through a descriptor',
        (vol) => {
          const fd = vol.openSync('/site/index.html', 'r+');
          vol.writeSync(fd, Buffer.from('XXXX'), 0, 4, 0);
          vol.closeSync(fd);
        },
      ],
      ['an append', (vol) => vol.appendFileSync('/site/index.html', '!!')],
      [
        'a shrink then a grow',
        (vol) => {
          vol.truncateSync('/site/index.html', 2);
          vol.truncateSync('/site/index.html', 8);
        },
      ],
      ['a delete', (vol) => vol.unlinkSync('/site/index.html')],
    ];
    it.each(cases)('after %s', async (_, change) => {
      const { vol, fs } = site({ root: '/site', zeroCopy });
      const file = await fs.open('/index.html');
      change(vol);
      expect(text(await readAll(file))).toBe('<h1>hi</h1>');
      expect((await file.stat()).size).toBe(11);
      await file.close();
      await file.close();
      expect(isFsError(await rejection(file.stat()), 'EBADF')).toBe(true);
    });
  });
});

describe('VolumeFS change feed', () => {
  function watched(vol: InstanceType<typeof Volume>, root = '/') {
    const fs = new VolumeFS(vol, { root });
    const events: string[] = [];
    const seen: string[] = [];
    const stop = fs.watch((event: ChangeEvent) => {
      events.push(`${event.type} ${event.path}`);
      const file = fs.tryOpenSync(event.path);
      seen.push(file ? `${event.path} ${file.statSync!().isDirectory ? 'dir' : text(file.bytes!())}` : `${event.path} gone`);
    });
    return { fs, events, seen, stop };
  }

  it('announces adds, changes and removals under the root once they are visible', async () => {
    const vol = Volume.fromJSON({ '/out/old.txt': 'old', '/elsewhere/x': 'x' });
    const { fs, events, seen } = watched(vol, '/out');
    expect(hasChangeFeed(fs)).toBe(true);
    vol.mkdirSync('/out/a/b', { recursive: true });
    vol.writeFileSync('/out/a/b/c.txt', 'C');
    await tick();
    vol.writeFileSync('/out/a/b/c.txt', 'C2');
    vol.writeFileSync('/elsewhere/x', 'ignored');
    await tick();
    vol.unlinkSync('/out/old.txt');
    await tick();
    expect(events).toEqual(['addDir /a', 'addDir /a/b', 'add /a/b/c.txt', 'change /a/b/c.txt', 'unlink /old.txt']);
    expect(seen).toEqual(['/a dir', '/a/b dir', '/a/b/c.txt C', '/a/b/c.txt C2', '/old.txt gone']);
  });

  it('announces a removed tree and a renamed directory with what is below it', async () => {
    const vol = Volume.fromJSON({ '/d/x': '1', '/d/sub/y': '2', '/m/z': '3' });
    const { events, seen } = watched(vol);
    vol.rmSync('/d', { recursive: true });
    await tick();
    expect(events.at(-1)).toBe('unlinkDir /d');
    expect(seen.every((s) => s.endsWith('gone'))).toBe(true);
    events.length = 0;
    vol.renameSync('/m', '/n');
    await tick();
    expect(events).toEqual(['unlinkDir /m', 'addDir /n', 'add /n/z']);
  });

  it('follows a root that appears after watching starts, and goes away', async () => {
    const vol = new Volume();
    const { events } = watched(vol, '/dist');
    vol.mkdirSync('/dist/js', { recursive: true });
    vol.writeFileSync('/dist/js/app.js', 'go()');
    await tick();
    vol.rmSync('/dist', { recursive: true });
    await tick();
    expect(events).toEqual(['addDir /js', 'add /js/app.js', 'unlink /js/app.js', 'unlinkDir /js']);
  });

  it('walks no link when it learns the tree (a link to an ancestor would never end)', async () => {
    const vol = Volume.fromJSON({ '/site/d/f': '1' });
    vol.symlinkSync('/site', '/site/d/self');
    const { events } = watched(vol, '/site');
    vol.symlinkSync('/site/d', '/site/again');
    vol.writeFileSync('/site/d/g', '2');
    await tick();
    expect(events).toEqual(['addDir /again', 'add /d/g']);
  });

  it('stops with the last listener and starts again with a new one', async () => {
    const vol = Volume.fromJSON({ '/a': '1' });
    const { fs, events, stop } = watched(vol);
    stop();
    stop();
    vol.writeFileSync('/b', '2');
    await tick();
    expect(events).toEqual([]);
    const again: string[] = [];
    fs.watch((e) => again.push(`${e.type} ${e.path}`));
    vol.writeFileSync('/b', '3');
    vol.writeFileSync('/c', '4');
    await tick();
    expect(again).toEqual(['change /b', 'add /c']);
  });
});

describe('VolumeFS bad input', () => {
  const vol = new Volume();
  it.each([
    ['an unknown option', () => new VolumeFS(vol, { rot: '/' } as VolumeFSOptions), /unknown VolumeFS option 'rot'/],
    ['a relative root', () => new VolumeFS(vol, { root: 'dist' }), /option 'root' must be an absolute path.*"dist"/],
    ['a bad zeroCopy', () => new VolumeFS(vol, { zeroCopy: 'yes' as unknown as boolean }), /option 'zeroCopy' must be a boolean/],
    ['not a Volume', () => new VolumeFS({} as Volume), /VolumeFS needs a memfs Volume/],
    ['a listener that is not a function', () => new VolumeFS(vol).watch('x' as unknown as () => void), /listener must be a function/],
  ])('refuses %s with a TypeError', (_, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});

describe('the README VolumeFS example', () => {
  it('runs as written there', async () => {
    const logged: string[] = [];
    const console = { log: (...args: unknown[]) => logged.push(args.join(' ')) };
    // From here to the second write: the README's example.
    const vol = new Volume();
    vol.mkdirSync('/dist', { recursive: true });
    vol.writeFileSync('/dist/index.html', '<h1>hi</h1>');
    const fs = new VolumeFS(vol, { root: '/dist' }); // serve /dist of the Volume as /
    fs.watch(({ type, path }) => console.log(type, path));
    vol.writeFileSync('/dist/app.js', 'go()'); // add /app.js, in a microtask once memfs is done
    expect(logged).toEqual([]);
    await tick();
    expect(logged).toEqual(['add /app.js']);
    expect(text(await readFile(fs, '/index.html'))).toBe('<h1>hi</h1>');
    await fs.close();
  });
});
