/**
 * The benchmark's file tree: one directory every backend and server reads, built once and reused
 * (building 106 MiB on every run would cost more than a quick run itself).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Bumped whenever the layout changes, so a stale tree on disk is rebuilt rather than trusted. */
const LAYOUT_VERSION = '2';

/** Every mtime in the tree: a whole second, because `st` compares If-Modified-Since in milliseconds. */
const FIXTURE_MTIME = new Date('2026-01-01T00:00:00Z');

/** Number of files in the rotation directory (also the readdir case). */
export const ROTATION_COUNT = 1000;

/** Size of each file in the rotation directory. */
const ROTATION_FILE_SIZE = 640;

/** The single files of the tree, by hotfs path, with their sizes. */
export const FIXTURE_FILES = {
  empty: { path: '/empty.txt', size: 0 },
  b640: { path: '/640.txt', size: 640 },
  k1: { path: '/1k.txt', size: 1024 },
  k64: { path: '/64k.bin', size: 64 * 1024 },
  m1: { path: '/1m.bin', size: 1024 * 1024 },
  m5: { path: '/5m.bin', size: 5 * 1024 * 1024 },
  m100: { path: '/100m.bin', size: 100 * 1024 * 1024 },
} as const;

/**
 * JavaScript bundles with precompressed siblings (`.br` at brotli's best, `.gz` at gzip's), for the
 * compression cases: what a build writes beside its output.
 */
export const FIXTURE_BUNDLES = {
  js64: { path: '/64k.js', size: 64 * 1024 },
  js1m: { path: '/1m.js', size: 1024 * 1024 },
} as const;

/** The directory holding {@link ROTATION_COUNT} small files. */
export const ROTATION_DIR = '/rot';

/** A path that no server has: the 404 case. */
export const MISSING_PATH = '/no-such-file.txt';

/** hotfs path of the i-th rotation file. */
export function rotationPath(i: number): string {
  return `${ROTATION_DIR}/f${String(i).padStart(4, '0')}.txt`;
}

/** Host path of a hotfs path inside `root`. */
function hostPath(root: string, path: string): string {
  return join(root, ...path.split('/').filter(Boolean));
}

/** Text bytes of a given size: readable in a browser, not all one byte (compression would lie). */
function textOfSize(size: number, seed: number): Buffer {
  const line = `hotfs bench fixture ${seed} abcdefghijklmnopqrstuvwxyz 0123456789\n`;
  return Buffer.from(line.repeat(Math.ceil(size / line.length) || 1)).subarray(0, size);
}

/**
 * Code-like text (brotli takes it to about a thirteenth, minified bundles go to a fourth or a fifth):
 * identifiers and numbers from a fixed pseudo-random sequence, so every build is byte-identical.
 */
export function bundleOfSize(size: number): Buffer {
  const words = ['state', 'props', 'render', 'value', 'index', 'items', 'config', 'handler', 'result', 'options', 'module', 'element'];
  let seed = 42;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  let out = '';
  for (let i = 0; out.length < size; i++) {
    const a = words[next(words.length)]!;
    const b = words[next(words.length)]!;
    out += `export function ${a}${i.toString(36)}(${b}, n) { return ${b}.${a} * ${next(100000)} + n.${words[next(words.length)]}[${next(64)}]; }\n`;
  }
  return Buffer.from(out).subarray(0, size);
}

/**
 * Returns the fixture root, building it when missing or outdated. The default location is in the
 * OS temp directory so a CI checkout stays small and repeated runs reuse the tree.
 */
export function ensureFixture(root = join(tmpdir(), 'hotfs-bench-fixture')): string {
  const isReady = () => existsSync(join(root, '.layout')) && readFileSync(join(root, '.layout'), 'utf8') === LAYOUT_VERSION;
  if (isReady()) return root;
  // Built beside the target and renamed into place, so two runs at once never see half a tree.
  const final = root;
  root = `${final}.building-${process.pid}`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(hostPath(root, ROTATION_DIR), { recursive: true });
  for (const { path, size } of Object.values(FIXTURE_FILES)) {
    // Binary bodies are random so no layer (gzip, dedup) can make them cheaper than they are.
    const body = path.endsWith('.txt') ? textOfSize(size, size) : randomBytes(size);
    writeFileSync(hostPath(root, path), body);
  }
  for (let i = 0; i < ROTATION_COUNT; i++) writeFileSync(hostPath(root, rotationPath(i)), textOfSize(ROTATION_FILE_SIZE, i));
  const siblings: string[] = [];
  for (const { path, size } of Object.values(FIXTURE_BUNDLES)) {
    const body = bundleOfSize(size);
    writeFileSync(hostPath(root, path), body);
    writeFileSync(hostPath(root, `${path}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: size } }));
    writeFileSync(hostPath(root, `${path}.gz`), gzipSync(body, { level: 9 }));
    siblings.push(path, `${path}.br`, `${path}.gz`);
  }
  for (const path of [...Object.values(FIXTURE_FILES).map((f) => f.path), ...siblings, ...Array.from({ length: ROTATION_COUNT }, (_, i) => rotationPath(i)), ROTATION_DIR]) {
    utimesSync(hostPath(root, path), FIXTURE_MTIME, FIXTURE_MTIME);
  }
  writeFileSync(join(root, '.layout'), LAYOUT_VERSION);
  const built = root;
  root = final;
  if (!isReady()) rmSync(final, { recursive: true, force: true }); // an outdated layout
  try {
    renameSync(built, final);
  } catch (err) {
    // Another run finished first: use its tree, drop ours.
    rmSync(built, { recursive: true, force: true });
    if (!isReady()) throw err;
  }
  return final;
}
