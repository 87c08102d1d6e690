import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';

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
];
