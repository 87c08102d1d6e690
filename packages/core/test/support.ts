import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFS, joinPath, readAll, type FileSystem } from '@hotfs/core';

/** Everything a backend shows of a tree: listings, stats (without etag) and content hashes. */
async function snapshot(fs: FileSystem): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string): Promise<void> => {
    const info = await fs.stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory) {
      const entries = await fs.readdir(path).catch(() => []);
      out[path] = `dir mtime=${info.mtimeMs} [${entries.map((e) => `${e.name}:${e.isDirectory ? 'd' : e.size}`).join(',')}]`;
      for (const entry of entries) await walk(joinPath(path, entry.name));
      return;
    }
    const file = await fs.open(path).catch(() => undefined);
    if (!file) return;
    try {
      const bytes = await readAll(file);
      out[path] = `file size=${info.size} mtime=${info.mtimeMs} sha1=${createHash('sha1').update(bytes).digest('hex')}`;
    } finally {
      await file.close();
    }
  };
  await walk('/');
  return out;
}

/** Polls until `check` passes (returns without throwing) or the time is up; then rethrows its last error. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Resolves when the mirror shows exactly what DiskFS shows over the same directory. */
export async function mirrorsDisk(mem: FileSystem, dir: string, expect: (a: unknown) => { toEqual(b: unknown): void }, timeoutMs = 5_000): Promise<void> {
  const disk = new DiskFS(dir);
  await eventually(async () => expect(await snapshot(mem)).toEqual(await snapshot(disk)), timeoutMs, 25);
}

/** A fresh temp directory, removed by the returned function. */
export async function tempDir(prefix = 'hotfs-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger that keeps every line, for asserting on what MemFS reports. */
export function recordingLogger(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}
