import { CacheFS, DiskFS, MemFS, type FileSystem } from '@hotfs/core';

/** A backend the socket tests run against: one entry each. */
export interface Backend {
  name: string;
  make(root: string): Promise<FileSystem>;
}

export const backends: Backend[] = [
  { name: 'DiskFS', make: async (root) => new DiskFS(root) },
  // No tryOpenSync and no bytes(): every request takes the handler's awaiting path.
  { name: 'DiskFS io async', make: async (root) => new DiskFS(root, { io: 'async' }) },
  { name: 'MemFS', make: (root) => MemFS.mirror(root) },
  // tryOpen but no tryOpenSync, and files with statSync: answered after the open's one promise.
  // maxAge 0 revalidates every answer with a stat, so a test that changes a file sees it at once.
  { name: 'CacheFS(DiskFS)', make: async (root) => new CacheFS(new DiskFS(root), { maxBytes: 64 * 2 ** 20, maxAge: 0 }) },
];
