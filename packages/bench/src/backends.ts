/**
 * The composable backends over the bench's fixture tree, built the same way for the FS-level run and
 * for the HTTP contenders, so both measure one thing.
 * @packageDocumentation
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { Volume } from 'memfs';
import { MapFS, MemFS, OverlayFS, SubFS, VolumeFS, ZipFS, type FileSystem } from '@hotfs/core';

/** Every file of the tree under `root`, by hotfs path, read into memory. */
function readTree(root: string, dir = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(join(root, dir))) {
    if (name.startsWith('.')) continue; // the fixture's layout stamp, not content
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) for (const [p, b] of readTree(root, path)) files.set(p, b);
    else files.set(path, readFileSync(join(root, path)));
  }
  return files;
}

/** The tree as a {@link MapFS}: its content held as given, no watcher. */
export function mapOf(root: string): MapFS {
  return new MapFS(readTree(root));
}

/** The tree written into a memfs Volume (as a build tool's output would be), served by {@link VolumeFS}. */
export function volumeOf(root: string): VolumeFS {
  const vol = new Volume();
  for (const [path, bytes] of readTree(root)) {
    vol.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
    vol.writeFileSync(path, bytes);
  }
  return new VolumeFS(vol);
}

/**
 * The tree one level down: the fixture's parent mirrored, and the fixture served as its sub-tree
 * (the path translation is what is measured; the mirror is MemFS's).
 */
export async function subOf(root: string): Promise<FileSystem> {
  const parent = root.slice(0, root.lastIndexOf('/')) || '/';
  const mirror = await MemFS.mirror(parent, { ignore: (path) => path !== '/' && !(path === `/${base(root)}` || path.startsWith(`/${base(root)}/`)) });
  return owning(new SubFS(mirror, `/${base(root)}`), [mirror]);
}

/** A view that closes what it wraps: wrappers leave their backends open, and a watcher left open keeps the process alive. */
function owning<T extends FileSystem>(view: T, inner: FileSystem[]): T {
  const closeView = view.close.bind(view);
  view.close = async () => {
    await closeView();
    await Promise.all(inner.map((fs) => fs.close()));
  };
  return view;
}

function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Two layers, as a site with generated files over its sources: a small {@link MapFS} on top (one
 * generated file, never the one asked for) over a {@link MemFS} of the tree, so every hit is a miss
 * in the upper layer first.
 */
export async function overlayOf(root: string): Promise<FileSystem> {
  const layers = [new MapFS({ '/generated/build-info.json': '{"version":1}\n' }), await MemFS.mirror(root)];
  return owning(new OverlayFS(layers), layers);
}

/**
 * The tree archived next to it (`<root>.stored.zip` or `<root>.deflated.zip`), built once like the
 * tree itself and reused.
 */
async function archiveOf(root: string, compress: boolean): Promise<string> {
  // Named by the tree's layout stamp: a rebuilt tree never meets an archive of the old one.
  const layout = existsSync(join(root, '.layout')) ? readFileSync(join(root, '.layout'), 'utf8').trim() : 'none';
  const archive = `${root}.layout-${layout}.${compress ? 'deflated' : 'stored'}.zip`;
  if (existsSync(archive)) return archive;
  const zip = new yazl.ZipFile();
  for (const [path, bytes] of readTree(root)) zip.addBuffer(Buffer.from(bytes), path.slice(1), { compress });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(`${archive}.tmp`));
  renameSync(`${archive}.tmp`, archive);
  return archive;
}

/** ZipFS over the tree archived with stored entries; `inMemory` preloads the whole archive. */
export async function zipStoredOf(root: string, inMemory = false): Promise<FileSystem> {
  return ZipFS.open(await archiveOf(root, false), inMemory ? { preloadBytes: 512 * 1024 * 1024 } : {});
}

/** ZipFS over the tree archived with deflated entries (default cache). */
export async function zipDeflatedOf(root: string): Promise<FileSystem> {
  return ZipFS.open(await archiveOf(root, true));
}
