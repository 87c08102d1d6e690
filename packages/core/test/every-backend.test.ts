// Every backend of this repository through the one conformance kit, with its report in the test
// output: what was checked, what was skipped and why.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Volume } from 'memfs';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS, MapFS, MemFS, OverlayFS, SubFS, VolumeFS, ZipFS, joinPath, readFile, type FileInfo, type FileSystem, type MapFSValue } from '@hotfs/core';
import { createFixture, formatReport, runConformance, type ChangeDriver, type Fixture } from '@hotfs/core/conformance';

let fixture: Fixture;
let truth: DiskFS;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  fixture = await createFixture();
  truth = new DiskFS(fixture.root);
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await fixture.remove();
});

/** Every entry the fixture serves (links the policy follows included), as DiskFS shows it. */
async function walk(fs: FileSystem, dir = '/', out: { path: string; info: FileInfo; bytes?: Uint8Array }[] = []) {
  if (dir === '/') out.push({ path: '/', info: await fs.stat('/') });
  for (const info of await fs.readdir(dir)) {
    const path = joinPath(dir, info.name);
    if (info.isDirectory) {
      out.push({ path, info });
      await walk(fs, path, out);
    } else out.push({ path, info, bytes: await readFile(fs, path) });
  }
  return out;
}

/** Runs the kit, prints its report and returns the names of the skipped checks. */
async function conform(name: string, fs: FileSystem, changes?: ChangeDriver, mtime: 'exact' | 'any' = 'exact'): Promise<string[]> {
  const report = await runConformance(fs, truth, { secretPath: fixture.secretPath, capabilities: { mtime, ...(changes ? { changes } : {}) } });
  console.log(formatReport(name, report));
  expect(report.failures).toEqual([]);
  return report.skipped.map((s) => s.check).sort();
}

/** The fixture as MapFS entries with its mtimes, below `under` ('' for the root). */
async function fixtureEntries(under = ''): Promise<Map<string, MapFSValue>> {
  const entries = new Map<string, MapFSValue>();
  for (const { path, info, bytes } of await walk(truth)) {
    const at = `${under}${path === '/' ? '' : path}`;
    entries.set(info.isDirectory ? `${at}/` : at, { ...(bytes ? { data: bytes } : {}), mtimeMs: info.mtimeMs });
  }
  return entries;
}

/** Changes made through a MapFS's set/delete, below `under`. */
function mapDriver(fs: MapFS, under = ''): ChangeDriver {
  return {
    write: async (path, data) => void fs.set(under + path, data),
    remove: async (path) => void fs.delete(under + path),
    mkdir: async (path) => void fs.set(`${under}${path}/`, {}),
  };
}

describe('every backend conforms', () => {
  it('MapFS, built from the fixture with its mtimes, change feed driven by set/delete', async () => {
    const fs = new MapFS(await fixtureEntries());
    cleanups.push(() => fs.close());
    const driver = mapDriver(fs);
    // The kit changes the tree; the directories it touches get new mtimes, so it runs last on a copy.
    expect(await conform('MapFS', fs, driver)).toEqual(['hidden paths']);
  });

  it('VolumeFS over a memfs Volume holding the fixture, change feed driven by writes to the Volume', async () => {
    const vol = new Volume();
    for (const { path, info, bytes } of await walk(truth)) {
      if (info.isDirectory) vol.mkdirSync(path, { recursive: true });
      else vol.writeFileSync(path, bytes!);
    }
    // Times last: writing a file changes its directory's mtime.
    for (const { path, info } of (await walk(truth)).reverse()) vol.utimesSync(path, info.mtimeMs / 1000, info.mtimeMs / 1000);
    const fs = new VolumeFS(vol);
    cleanups.push(() => fs.close());
    const driver: ChangeDriver = {
      write: async (path, data) => {
        vol.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
        vol.writeFileSync(path, data);
      },
      remove: async (path) => vol.rmSync(path, { recursive: true, force: true }),
      mkdir: async (path) => void vol.mkdirSync(path, { recursive: true }),
    };
    expect(await conform('VolumeFS', fs, driver)).toEqual(['hidden paths']);
  });

  it('SubFS over a MapFS holding the fixture one level down, change feed translated', async () => {
    const below = new MapFS(await fixtureEntries('/site'));
    cleanups.push(() => below.close());
    const fs = new SubFS(below, '/site');
    cleanups.push(() => fs.close());
    expect(await conform('SubFS(MapFS)', fs, mapDriver(below, '/site'))).toEqual(['hidden paths']);
  });

  it('OverlayFS of an upper MapFS over a MemFS mirror of the fixture, changes made in the upper layer', async () => {
    const lower = await MemFS.mirror(fixture.root, { reconcileIntervalMs: 0 });
    cleanups.push(() => lower.close());
    // The overlay's root is the upper layer's: it carries the fixture root's mtime.
    const upper = new MapFS({ '/': { mtimeMs: (await truth.stat('/')).mtimeMs } });
    cleanups.push(() => upper.close());
    const fs = new OverlayFS([upper, lower]);
    cleanups.push(() => fs.close());
    expect(await conform('OverlayFS(MapFS, MemFS)', fs, mapDriver(upper))).toEqual(['hidden paths']);
  });

  it('ZipFS over an archive of the fixture, stored and deflated entries, in memory and read by pread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-every-zip-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const archive = join(dir, 'fixture.zip');
    const zip = new yazl.ZipFile();
    let deflate = false;
    for (const { path, info, bytes } of await walk(truth)) {
      if (path === '/') continue;
      if (info.isDirectory) zip.addEmptyDirectory(path.slice(1));
      else zip.addBuffer(Buffer.from(bytes!), path.slice(1), { compress: (deflate = !deflate) });
    }
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(archive));
    // Zip times are whole seconds at best (DOS times: 2 s, local): mtimes are checked as 'any'.
    for (const [name, options] of [
      ['ZipFS (archive in memory)', {}],
      ['ZipFS (read by pread)', { preloadBytes: 0 }],
    ] as const) {
      const fs = await ZipFS.open(archive, options);
      cleanups.push(() => fs.close());
      expect(fs.warnings).toEqual([]);
      expect(await conform(name, fs, undefined, 'any')).toEqual(['change feed', 'hidden paths']);
    }
  });
});
