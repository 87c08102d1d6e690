import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { FsError, isFsError, type ChangeEvent, type File, type FileInfo, type FileSystem } from '@hotfs/core';

/** Writes `files` (relative path → content; a path ending in `/` is an empty directory) under `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) {
      await mkdir(join(dir, name), { recursive: true });
      continue;
    }
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/** Resolves to what `call` rejected with, asserting it is an FsError with `code` naming `path`. */
export async function rejectsWith(call: () => unknown, code: string, path: string): Promise<FsError> {
  let caught: unknown;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  expect(isFsError(caught), `want FsError ${code} '${path}', got ${String(caught)}`).toBe(true);
  expect({ code: (caught as FsError).code, path: (caught as FsError).path }).toEqual({ code, path });
  return caught as FsError;
}

/**
 * A backend written here that throws `thrown` from every call, as a careless third-party backend
 * might (a plain Error, a Node-style error object). Its files throw it too.
 */
export function throwingFS(thrown: () => unknown): FileSystem {
  const fail = (): never => {
    throw thrown();
  };
  return {
    open: async () => fail(),
    stat: async () => fail(),
    readdir: async () => fail(),
    close: async () => {},
    tryOpenSync: () => fail(),
  };
}

/** A file whose every call throws `thrown`, opened from a backend that otherwise works. */
export function fileThatThrows(info: FileInfo, thrown: () => unknown): File {
  const fail = (): never => {
    throw thrown();
  };
  return { stat: async () => info, statSync: () => info, read: async () => fail(), readdir: async () => fail(), close: async () => {}, bytes: () => fail() };
}

/** Collects change events and waits for one that matches. */
export function eventLog(): { events: ChangeEvent[]; listener: (e: ChangeEvent) => void; waitFor(type: string, path: string, timeoutMs?: number): Promise<void> } {
  const events: ChangeEvent[] = [];
  return {
    events,
    listener: (e) => events.push(e),
    async waitFor(type, path, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!events.some((e) => e.type === type && e.path === path)) {
        if (Date.now() > deadline) throw new Error(`no ${type} ${path} within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Names of a listing, a `/` after each directory. */
export function names(list: FileInfo[]): string[] {
  return list.map((i) => i.name + (i.isDirectory ? '/' : ''));
}
