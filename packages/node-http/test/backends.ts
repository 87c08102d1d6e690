import { DiskFS, MemFS, type FileSystem } from '@hotfs/core';

/** A backend the socket tests run against: one entry each. */
export interface Backend {
  name: string;
  make(root: string): Promise<FileSystem>;
}

export const backends: Backend[] = [
  { name: 'DiskFS', make: async (root) => new DiskFS(root) },
  { name: 'MemFS', make: (root) => MemFS.mirror(root) },
];
