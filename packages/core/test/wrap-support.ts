import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { FsError, MemFS, isFsError, type ChangeEvent, type File, type FileInfo, type FileSystem } from '@hotfs/core';
import { createFixture, type Fixture, type FixtureOptions } from '@hotfs/core/conformance';
import { tempDir } from './support.js';

/** The bytes as UTF-8 text. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * Scratch trees and mirrors for the tests of one file (call it at the file's top level): `tree`
 * writes files into a new temp directory, `mirror` opens a MemFS mirror of a directory; what they
 * made is closed and removed after each test, last made first.
 */
export function scratch(): { tree: (files: Record<string, string>) => Promise<string>; mirror: (dir: string) => Promise<MemFS> } {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    tree: async (files) => {
      const { dir, remove } = await tempDir();
      cleanups.push(remove);
      await writeTree(dir, files);
      return dir;
    },
    mirror: async (dir) => {
      const mem = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
      cleanups.push(() => mem.close());
      return mem;
    },
  };
}

/**
 * The conformance fixture of the suite it is called in: made before its tests and removed after
 * them. Read `root` and `options()` (the checkFileSystem options naming its secret) inside a test.
 */
export function suiteFixture(options?: FixtureOptions): { readonly root: string; options(): { secretPath: string } } {
  let made: Fixture | undefined;
  beforeAll(async () => {
    made = await createFixture(options);
  });
  afterAll(async () => {
    await made?.remove();
  });
  const get = (): Fixture => {
    if (!made) throw new Error('the fixture is made in beforeAll: read it inside a test');
    return made;
  };
  return {
    get root() {
      return get().root;
    },
    options: () => ({ secretPath: get().secretPath }),
  };
}

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
