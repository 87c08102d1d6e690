import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A standard fixture tree on disk, with a secret file just outside its root. */
export interface Fixture {
  /** Directory to serve. */
  root: string;
  /** Host path of a file OUTSIDE `root`; no backend may ever yield its bytes. */
  secretPath: string;
  /** The secret file's content. */
  secret: Uint8Array;
  /** Deletes the whole fixture (root and secret). */
  remove(): Promise<void>;
}

/** Options of {@link createFixture}. */
export interface FixtureOptions {
  /** Parent directory for the fixture; default the OS temp directory. */
  parent?: string;
  /** Include symbolic links (inside, outside, dangling); default true. */
  symlinks?: boolean;
}

/** Deterministic pseudo-random bytes, so a failure is reproducible and offsets are distinguishable. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The size of the fixture's large file: over 5 MiB, and not a multiple of any read chunk. */
const LARGE_FILE_SIZE = 5 * 1024 * 1024 + 4321;

/**
 * Writes the standard fixture: small, empty, 64 KiB and >5 MiB files, an empty directory, nested
 * directories, names with spaces, unicode, `%`, `#` and `?`, and symbolic links that point inside
 * the root, outside it (to the secret) and nowhere.
 */
export async function createFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const base = await mkdtemp(join(options.parent ?? tmpdir(), 'hotfs-fixture-'));
  const root = join(base, 'root');
  const secretPath = join(base, 'secret.txt');
  const secret = new TextEncoder().encode('TOP-SECRET-OUTSIDE-THE-ROOT\n');
  await writeFile(secretPath, secret);
  const files: Record<string, string | Uint8Array> = {
    'hello.txt': 'Hello, hotfs!\n',
    'empty.txt': '',
    'medium.bin': patternBytes(64 * 1024 + 1, 7),
    'large.bin': patternBytes(LARGE_FILE_SIZE, 11),
    'with space.txt': 'spaces\n',
    'ünïcødé €.txt': 'unicode\n',
    '100%.txt': 'percent\n',
    'a#b?c.txt': 'hash and question mark\n',
    'secret.txt': 'the root has its own secret.txt; it is not the outside one\n',
    'docs/index.html': '<!doctype html><title>docs</title><p>docs index</p>\n',
    'docs/guide/deep.md': '# deep\n',
    'docs/guide/more/deeper.txt': 'deeper\n',
  };
  await mkdir(join(root, 'empty-dir'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), content);
  }
  if (options.symlinks !== false) {
    await symlink('hello.txt', join(root, 'link-inside.txt'));
    await symlink('docs/guide', join(root, 'link-dir'));
    await symlink(secretPath, join(root, 'link-outside.txt'));
    await symlink('..', join(root, 'link-parent'));
    await symlink('missing-target', join(root, 'link-dangling'));
  }
  return { root, secretPath, secret, remove: () => rm(base, { recursive: true, force: true }) };
}
