import type { FileSystem } from '@hotfs/core';

/** Hooks around the files a backend opens, for tests that count or hold back what the handler does. */
export interface FileHooks {
  opened?(): void;
  /** Runs before each read reaches the backend; a returned promise holds the read back. */
  read?(into: Uint8Array, position: number): void | Promise<void>;
  closed?(): void;
}

/** `fs` itself, with `hooks` called around its open files: no fake, every call reaches `fs`. */
export function instrument(fs: FileSystem, hooks: FileHooks): FileSystem {
  return {
    stat: (p) => fs.stat(p),
    readdir: (p) => fs.readdir(p),
    close: () => fs.close(),
    open: async (p) => {
      const file = await fs.open(p);
      hooks.opened?.();
      return {
        stat: () => file.stat(),
        readdir: () => file.readdir(),
        read: async (into, position) => {
          await hooks.read?.(into, position);
          return file.read(into, position);
        },
        close: () => {
          hooks.closed?.();
          return file.close();
        },
      };
    },
  };
}
