import type { FileSystem } from '@hotfs/core';

/** `fs`, whose close() also closes `owned` after it: the command is the only user of both. */
export function owning<T extends FileSystem>(fs: T, ...owned: FileSystem[]): T {
  const closeView = fs.close.bind(fs);
  fs.close = async () => {
    await closeView();
    await Promise.all(owned.map((layer) => layer.close()));
  };
  return fs;
}
