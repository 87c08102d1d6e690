import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MapFS, MemFS, walk, type FileSystem, type WalkEntry, type WalkFS } from '@hotfs/core';
import { createFixture, formatReport, runConformance, type ChangeDriver, type ConformanceReport, type Fixture } from '@hotfs/core/conformance';
import { tempDir } from './support.js';
import { TinyFS, type TinyFault } from './tiny-fs.js';

let fixture: Fixture;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await fixture.remove();
});

/** Prints the report (so a test run shows what was checked and skipped) and returns the skipped checks. */
function shown(name: string, report: ConformanceReport): string[] {
  console.log(formatReport(name, report));
  return report.skipped.map((s) => s.check).sort();
}

/** Changes made on disk, in the directory a mirror watches. */
function diskDriver(root: string): ChangeDriver {
  return {
    write: async (path, data) => {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), data);
    },
    remove: (path) => rm(join(root, path), { recursive: true, force: true }),
    mkdir: async (path) => void (await mkdir(join(root, path), { recursive: true })),
  };
}

const data = { 'index.html': '<h1>hi</h1>\n', 'docs/a b.txt': 'spaced\n', 'docs/ünï.md': '# u\n', 'empty/': '', 'zero.txt': '' };

describe('runConformance', () => {
  it.each(['sync', 'async'] as const)("passes DiskFS with io: '%s' against its host directory", async (io) => {
    const report = await runConformance(new DiskFS(fixture.root, { io }), fixture.root, { secretPath: fixture.secretPath });
    const skipped = shown(`DiskFS io: '${io}'`, report);
    expect(report.failures).toEqual([]);
    // In 'async' mode only directories offer closeSync().
    const asyncSkips = io === 'async' ? ['bytes()', 'tryOpenSync()'] : [];
    expect(skipped).toEqual(['change feed', ...asyncSkips].sort());
    expect(report.skipped.find((s) => s.check === 'change feed')!.why).toMatch(/does not offer a change feed/);
  });

  it('passes MemFS, change feed included, driven by writes on disk in a copy of the fixture', async () => {
    const copy = await createFixture();
    cleanups.push(() => copy.remove());
    const fs = await MemFS.mirror(copy.root, { reconcileIntervalMs: 0 });
    cleanups.push(() => fs.close());
    const before = (await fs.readdir('/')).map((i) => i.name);
    const report = await runConformance(fs, copy.root, { secretPath: copy.secretPath, capabilities: { changes: diskDriver(copy.root) } });
    expect(shown('MemFS', report)).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.passed).toContain('change feed');
    expect((await fs.readdir('/')).map((i) => i.name)).toEqual(before);
  });

  it('reports the change feed of MemFS as skipped without a ChangeDriver', async () => {
    const fs = await MemFS.mirror(fixture.root, { reconcileIntervalMs: 0, watch: false });
    cleanups.push(() => fs.close());
    const report = await runConformance(fs, fixture.root);
    expect(shown('MemFS without a driver', report)).toEqual(['change feed', 'climbs to the secret']);
    expect(report.skipped).toContainEqual({ check: 'change feed', why: 'no ChangeDriver given (capabilities.changes)' });
    expect(report.failures).toEqual([]);
  });

  it('takes the expected tree as data (a record or a Map) and skips what needs a host directory', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'docs'));
    for (const [path, content] of Object.entries(data)) if (!path.endsWith('/')) await writeFile(join(dir, path), content);
    for (const expected of [data, new Map(Object.entries(data))]) {
      const report = await runConformance(new DiskFS(dir), expected);
      expect(shown('DiskFS against data', report)).toEqual(['change feed', 'climbs to the secret', 'hidden paths']);
      expect(report.skipped).toContainEqual({ check: 'hidden paths', why: 'the expected tree is not a host directory' });
      expect(report.failures).toEqual([]);
    }
    // The same backend against data that differs: a missing file and different content are both named.
    const wrong = await runConformance(new DiskFS(dir), { ...data, 'index.html': '<h1>by</h1>\n', 'extra.txt': 'x' });
    expect(wrong.failures.join('\n')).toMatch(/checking \/extra\.txt: unexpected FsError ENOENT/);
    expect(wrong.failures.join('\n')).toMatch(/readAll \/index\.html: bytes differ first at offset 4/);
    expect(wrong.passed).not.toContain('entries');
  });

  it('takes a FileSystem as the truth: DiskFS for MemFS, mtimes exact', async () => {
    const mem = await MemFS.mirror(fixture.root, { reconcileIntervalMs: 0, watch: false });
    cleanups.push(() => mem.close());
    const report = await runConformance(mem, new DiskFS(fixture.root), { secretPath: fixture.secretPath });
    expect(shown('MemFS against DiskFS', report)).toEqual(['change feed', 'hidden paths']);
    expect(report.failures).toEqual([]);
    // A truth whose times differ fails an exact comparison and passes 'any'.
    const other = new TinyFS({ 'hello.txt': 'Hello, hotfs!\n' });
    const tiny = new TinyFS({ 'hello.txt': 'Hello, hotfs!\n' });
    await new Promise((r) => setTimeout(r, 5));
    await tiny.write('/hello.txt', 'Hello, hotfs!\n');
    expect((await runConformance(tiny, other)).failures.join('\n')).toMatch(/stat \/hello\.txt: mtimeMs is \d+, want \d+/);
    expect((await runConformance(tiny, other, { capabilities: { mtime: 'any' } })).failures).toEqual([]);
  });

  it('passes a correct in-memory backend with a change feed, checked against data only', async () => {
    const fs = new TinyFS(data);
    const report = await runConformance(fs, data, { capabilities: { changes: fs } });
    expect(shown('TinyFS', report)).toEqual(['bytes()', 'climbs to the secret', 'closeSync()', 'hidden paths', 'tryOpen()', 'tryOpenSync()', 'tryStat()']);
    expect(report.failures).toEqual([]);
    expect(report.passed).toContain('change feed');
    expect([...(await fs.readdir('/')).map((i) => i.name)]).toEqual(['docs', 'empty', 'index.html', 'zero.txt']);
  });

  const faults: [TinyFault, RegExp, string][] = [
    ['unsorted listing', /readdir \/: not sorted by name/, 'entries'],
    ['read ignores position', /read \/docs\/a b\.txt at middle offset 3: bytes differ/, 'entries'],
    ['raw errors', /stat \/does-not-exist: threw Error that is not an FsError/, 'missing paths'],
    ['announces early', /change feed: add a file: the 'add' event for \/hotfs-kit-\S+ came before the change was visible: stat threw FsError ENOENT/, 'change feed'],
    ['unclean event paths', /change feed: event path "\/hotfs-kit-\S+\/\." is not a clean path/, 'change feed'],
    ['stop does not stop', /change feed: .* announced after stop\(\)/, 'change feed'],
  ];

  it.each(faults)('fails a backend whose %s', async (fault, message, check) => {
    const fs = new TinyFS(data, [fault]);
    const report = await runConformance(fs, data, { capabilities: { changes: fs }, eventTimeoutMs: 300 });
    console.log(formatReport(`TinyFS with ${fault}`, report));
    expect(report.failures.join('\n')).toMatch(message);
    expect(report.passed).not.toContain(check);
    expect(formatReport('x', report)).toContain(`FAIL ${report.failures[0]!}`);
  });

  it("checks a backend's own walk() against its readdir recursion", async () => {
    const map = new MapFS(Object.fromEntries(Object.entries(data).map(([k, v]) => [`/${k}`, k.endsWith('/') ? {} : v])));
    const own = (change: (entries: WalkEntry[]) => WalkEntry[]): WalkFS => ({
      open: (p) => map.open(p),
      stat: (p) => map.stat(p),
      readdir: (p) => map.readdir(p),
      close: () => map.close(),
      walk: async function* (path: string) {
        const entries: WalkEntry[] = [];
        for await (const entry of walk(map, path)) entries.push(entry);
        yield* change(entries);
      },
    });
    expect(
      (
        await runConformance(
          own((e) => e.reverse()),
          data,
        )
      ).passed,
    ).toContain('walk()');
    const missing = await runConformance(
      own((e) => e.filter((x) => x.path !== '/docs/ünï.md')),
      data,
    );
    expect(missing.failures.join('\n')).toMatch(/walk \/: misses \/docs\/ünï\.md/);
    const sized = await runConformance(
      own((e) => e.map((x) => (x.path === '/zero.txt' ? { ...x, info: { ...x.info, size: 3 } } : x))),
      data,
    );
    expect(sized.failures.join('\n')).toMatch(/walk \/: entry \/zero\.txt: size is 3, want 0/);
    const tagged = await runConformance(
      own((e) => e.map((x) => ({ ...x, info: { ...x.info, weakEtag: 'other' } }))),
      data,
    );
    expect(tagged.failures.join('\n')).toMatch(/walk \/: entry \/index\.html: weakEtag is "other", stat gives/);
    const twice = await runConformance(
      own((e) => [...e, e[0]!]),
      data,
    );
    expect(twice.failures.join('\n')).toMatch(/yields \/\S+ twice/);
  });

  it('formats what passed, what was skipped and why, and every failure', async () => {
    const report: ConformanceReport = { failures: ['stat /a: size is 1, want 2'], passed: ['entries'], skipped: [{ check: 'bytes()', why: 'backend does not offer bytes()' }] };
    expect(formatReport('Some FS', report)).toBe(
      ['conformance of Some FS: 1 failures', '  passed (1): entries', '  skipped bytes(): backend does not offer bytes()', '  FAIL stat /a: size is 1, want 2'].join('\n'),
    );
  });

  it('refuses an expected tree or options it cannot use, naming them', async () => {
    const fs: FileSystem = new TinyFS({});
    await expect(runConformance(fs, { 'a.txt': 1 as never })).rejects.toThrow(/content of "a\.txt" must be a string or a Uint8Array; got number/);
    await expect(runConformance(fs, { a: 'file', 'a/b': 'below a file' })).rejects.toThrow(/"\/a" is both a file and a directory/);
    await expect(runConformance(fs, { 'dir/': 'content' })).rejects.toThrow(/directory key "dir\/" must map to ''/);
    await expect(runConformance(fs, data, { capabilities: { mtime: 'exact' } })).rejects.toThrow(/'capabilities\.mtime' cannot be 'exact' for an expected tree given as data/);
    await expect(runConformance(fs, data, { capabilities: { mtime: 'roughly' as never } })).rejects.toThrow(/'capabilities\.mtime' must be 'exact' or 'any'/);
    await expect(runConformance(fs, data, { eventTimeoutMs: 0 })).rejects.toThrow(/'eventTimeoutMs' must be a positive number/);
    await expect(runConformance(fs, 42 as never)).rejects.toThrow(TypeError);
    await expect(runConformance(fs, data, { capability: {} } as never)).rejects.toThrow(/unknown conformance option 'capability'/);
    await expect(runConformance(fs, data, { capabilities: { watch: true } as never })).rejects.toThrow(/unknown capability 'capabilities\.watch'/);
    await expect(runConformance(fs, data, { capabilities: { changes: { write: async () => {} } as never } })).rejects.toThrow(
      /'capabilities\.changes' must be a ChangeDriver: its 'remove'/,
    );
    await expect(runConformance(fs, data, { concurrentOpens: 1.5 })).rejects.toThrow(/'concurrentOpens' must be a positive integer/);
  });
});
