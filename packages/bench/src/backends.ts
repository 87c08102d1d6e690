/**
 * The composable backends over the bench's fixture tree, built the same way for the FS-level run and
 * for the HTTP contenders, so both measure one thing.
 * @packageDocumentation
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { MapFS, MemFS, OverlayFS, SubFS, VolumeFS, type FileSystem } from '@hotfs/core';

/** Every file of the tree under `root`, by hotfs path, read into memory. */
function readTree(root: string, dir = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(join(root, dir))) {
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
  return new SubFS(await MemFS.mirror(parent, { ignore: (path) => path !== '/' && !(path === `/${base(root)}` || path.startsWith(`/${base(root)}/`)) }), `/${base(root)}`);
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
  return new OverlayFS([new MapFS({ '/generated/build-info.json': '{"version":1}\n' }), await MemFS.mirror(root)]);
}
