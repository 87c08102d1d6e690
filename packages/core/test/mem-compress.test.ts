import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemFS, hasEncodings, readAll, type EncodedBytes, type MemFSOptions } from '@hotfs/core';
import { recordingLogger, tempDir } from './support.js';

const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
const hasZstd = typeof (zlib as unknown as { zstdCompress?: unknown }).zstdCompress === 'function';

/** JavaScript-like text that compresses as a bundle does, `size` bytes, varied by `seed`. */
function bundle(size: number, seed = 0): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `export function f${seed}_${i}(a, b) { return a * ${(i * 7919 + seed) % 10007} + b.call(this, "${(i * 31) % 97}"); }\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('').slice(0, size));
}

// An encoding checked against a version's bytes (the same buffer for as long as the version lives) once.
const checked = new WeakMap<Uint8Array, WeakSet<EncodedBytes>>();

/** Whether `encoded` decodes to exactly `bytes`. */
function decodesTo(encoded: EncodedBytes, bytes: Uint8Array): boolean {
  let seen = checked.get(bytes);
  if (seen?.has(encoded)) return true;
  if (!decode(encoded).equals(bytes)) return false;
  if (seen === undefined) checked.set(bytes, (seen = new WeakSet()));
  seen.add(encoded);
  return true;
}

function decode(encoded: EncodedBytes): Buffer {
  if (encoded.coding === 'br') return zlib.brotliDecompressSync(encoded.bytes);
  if (encoded.coding === 'gzip') return zlib.gunzipSync(encoded.bytes);
  return zstdDecompressSync!(encoded.bytes);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mirror(files: Record<string, Uint8Array>, options: MemFSOptions = {}): Promise<{ dir: string; fs: MemFS }> {
  const { dir, remove } = await tempDir('hotfs-compress-');
  cleanups.push(remove);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  const fs = await MemFS.mirror(dir, { watch: false, reconcileIntervalMs: 0, compress: true, ...options });
  cleanups.push(() => fs.close());
  return { dir, fs };
}

/** The bytes and encodings one open of `path` sees. */
async function openNow(fs: MemFS, path: string): Promise<{ bytes: Uint8Array; encodings: readonly EncodedBytes[] }> {
  const file = await fs.open(path);
  try {
    if (!hasEncodings(file)) throw new Error(`${path} offers no encodings()`);
    return { bytes: await readAll(file), encodings: file.encodings() };
  } finally {
    await file.close();
  }
}

const expected = hasZstd ? ['br', 'zstd', 'gzip'] : ['br', 'gzip'];

describe('MemFS compress', () => {
  it('computes the encodings of a compressible file above the floor, each decoding to its bytes', async () => {
    const app = bundle(40_000);
    const { fs } = await mirror({ 'app.js': app });
    await fs.encodingsSettled();
    const { bytes, encodings } = await openNow(fs, '/app.js');
    expect(encodings.map((e) => e.coding)).toEqual(expected);
    const identity = (await fs.stat('/app.js')).etag!;
    for (const encoded of encodings) {
      expect(decode(encoded).equals(bytes)).toBe(true);
      expect(encoded.bytes.length).toBeLessThan(app.length * 0.9);
      // A valid strong entity tag text (RFC 9110 etagc), never the identity's, one per coding.
      expect(encoded.etag).toMatch(/^[\x21\x23-\x7e]+$/);
      expect(encoded.etag).not.toBe(identity);
    }
    expect(new Set(encodings.map((e) => e.etag)).size).toBe(encodings.length);
    expect(fs.size.encodedBytes).toBe(encodings.reduce((sum, e) => sum + e.bytes.length, 0));
  });

  it('leaves a png, a file under the floor, an incompressible text and an unknown extension alone', async () => {
    const text = bundle(40_000);
    const { fs } = await mirror({ 'logo.png': text, 'tiny.js': bundle(1000), 'random.txt': randomBytes(40_000), LICENSE: text, 'ok.css': text });
    await fs.encodingsSettled();
    for (const path of ['/logo.png', '/tiny.js', '/random.txt', '/LICENSE']) expect((await openNow(fs, path)).encodings, path).toEqual([]);
    expect((await openNow(fs, '/ok.css')).encodings.map((e) => e.coding)).toEqual(expected);
  });

  it('offers no encodings() when off, and honours codings and minSize', async () => {
    const app = bundle(3000);
    const off = await mirror({ 'app.js': app }, { compress: false });
    const file = await off.fs.open('/app.js');
    expect(hasEncodings(file)).toBe(false);
    await file.close();

    const { fs } = await mirror({ 'app.js': app, 'big.js': bundle(5000) }, { compress: { codings: ['gzip'], minSize: 4096 } });
    await fs.encodingsSettled();
    expect((await openNow(fs, '/app.js')).encodings).toEqual([]);
    expect((await openNow(fs, '/big.js')).encodings.map((e) => e.coding)).toEqual(['gzip']);
  });

  it('compresses brotli at the quality asked for', async () => {
    const app = bundle(40_000);
    const brotli = async (brotliQuality?: number): Promise<EncodedBytes> => {
      const { fs } = await mirror({ 'app.js': app }, { compress: { codings: ['br'], brotliQuality } });
      await fs.encodingsSettled();
      const [br] = (await openNow(fs, '/app.js')).encodings;
      expect(decode(br!).equals(app)).toBe(true);
      return br!;
    };
    const best = await brotli();
    const q11 = zlib.brotliCompressSync(app, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
    expect(best.bytes.length).toBeLessThanOrEqual(q11.length);
    expect((await brotli(1)).bytes.length).toBeGreaterThan(best.bytes.length * 1.1);
  });

  it('never shows an old version its encodings: each open decodes to its own bytes, and an old open keeps its own', async () => {
    const v1 = bundle(600_000, 1);
    const v2 = bundle(600_000, 2);
    const { dir, fs } = await mirror({ 'app.js': v1 });
    await fs.encodingsSettled();
    const old = await fs.open('/app.js');
    if (!hasEncodings(old)) throw new Error('no encodings()');
    const oldEncodings = old.encodings();
    expect(oldEncodings.map((e) => e.coding)).toEqual(expected);

    await writeFile(join(dir, 'app.js'), v2);
    await fs.rescan();
    let opens = 0;
    let identityOnly = 0;
    for (;;) {
      const { bytes, encodings } = await openNow(fs, '/app.js');
      opens++;
      expect(Buffer.from(bytes).equals(v2)).toBe(true);
      if (encodings.length === 0) identityOnly++;
      for (const encoded of encodings) expect(decodesTo(encoded, bytes), encoded.coding).toBe(true);
      if (encodings.length === expected.length) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    // The new version was served as identity while its own encodings were computed.
    expect(identityOnly).toBeGreaterThan(0);
    expect(opens).toBeGreaterThan(identityOnly);
    expect(old.encodings()).toBe(oldEncodings);
    for (const encoded of old.encodings()) expect(decode(encoded).equals(v1)).toBe(true);
    await old.close();
    expect(() => old.encodings()).toThrow(/EBADF/);
  });

  it('drops a compression that ends after its version was replaced', async () => {
    // Written while v1's brotli (about a second on 1 MiB) still runs.
    const v1 = bundle(1_000_000, 1);
    const v2 = bundle(1_000_000, 2);
    const { dir, fs } = await mirror({ 'app.js': v1 });
    await writeFile(join(dir, 'app.js'), v2);
    await fs.rescan();
    const seen = new Set<string>();
    for (;;) {
      const { bytes, encodings } = await openNow(fs, '/app.js');
      for (const encoded of encodings) {
        expect(decodesTo(encoded, bytes), encoded.coding).toBe(true);
        seen.add(encoded.coding);
      }
      if (seen.size === expected.length) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await fs.encodingsSettled();
    const { encodings } = await openNow(fs, '/app.js');
    expect(fs.size.encodedBytes).toBe(encodings.reduce((sum, e) => sum + e.bytes.length, 0));
  });

  it('keeps the encodings of a rewrite with the same bytes', async () => {
    const app = bundle(40_000);
    const { dir, fs } = await mirror({ 'app.js': app });
    await fs.encodingsSettled();
    const before = (await openNow(fs, '/app.js')).encodings;
    await writeFile(join(dir, 'app.js'), app);
    await fs.rescan();
    expect((await openNow(fs, '/app.js')).encodings).toBe(before);
  });

  it('counts encoded bytes in maxBytes: keeps none that does not fit, gives content the room, frees on removal', async () => {
    const a = bundle(40_000, 1);
    const b = bundle(40_000, 2);
    // Exactly the content: no room for any encoding, and the file is still held in memory.
    const tight = await mirror({ 'a.js': a }, { maxBytes: a.length });
    await tight.fs.encodingsSettled();
    expect((await openNow(tight.fs, '/a.js')).encodings).toEqual([]);
    expect(tight.fs.size).toMatchObject({ bytes: a.length, encodedBytes: 0, filesOnDisk: 0 });

    // Room for a, b and a few encodings: b's content takes the room a's encodings held.
    const budget = a.length + b.length + 5_000;
    const { dir, fs } = await mirror({ 'a.js': a }, { maxBytes: budget });
    await fs.encodingsSettled();
    const aEncodings = (await openNow(fs, '/a.js')).encodings;
    expect(aEncodings.length).toBeGreaterThan(0);
    expect(fs.size.encodedBytes).toBe(aEncodings.reduce((sum, e) => sum + e.bytes.length, 0));
    expect(fs.size.encodedBytes).toBeGreaterThan(5_000);
    await writeFile(join(dir, 'b.js'), b);
    await fs.rescan();
    await fs.encodingsSettled();
    expect(fs.size).toMatchObject({ files: 2, filesOnDisk: 0, bytes: a.length + b.length });
    expect(fs.size.bytes + fs.size.encodedBytes).toBeLessThanOrEqual(budget);
    const held = [...(await openNow(fs, '/a.js')).encodings, ...(await openNow(fs, '/b.js')).encodings];
    expect(fs.size.encodedBytes).toBe(held.reduce((sum, e) => sum + e.bytes.length, 0));

    await rm(join(dir, 'a.js'));
    await rm(join(dir, 'b.js'));
    await fs.rescan();
    expect(fs.size).toMatchObject({ files: 0, bytes: 0, encodedBytes: 0 });
  });

  it('releases a version’s encodings when it is replaced', async () => {
    const { dir, fs } = await mirror({ 'app.js': bundle(40_000, 1) });
    await fs.encodingsSettled();
    const first = fs.size.encodedBytes;
    expect(first).toBeGreaterThan(0);
    await writeFile(join(dir, 'app.js'), randomBytes(40_000));
    await fs.rescan();
    expect(fs.size.encodedBytes).toBe(0);
    await fs.encodingsSettled();
    expect(fs.size.encodedBytes).toBe(0);
  });

  it('closes during compressions without throwing, warning, or keeping anything', async () => {
    const logger = recordingLogger();
    const files = Object.fromEntries([1, 2, 3, 4].map((i) => [`f${i}.js`, bundle(1_000_000, i)]));
    const { fs } = await mirror(files, { logger });
    const settled = fs.encodingsSettled();
    // Each file's gzip comes first and fast: once every file has it, brotli runs (most of a second on 1 MB).
    const gzipped = async (): Promise<boolean> => (await Promise.all(Object.keys(files).map((name) => openNow(fs, `/${name}`)))).every((f) => f.encodings.length > 0);
    while (!(await gzipped())) await new Promise((r) => setTimeout(r, 2));
    const started = performance.now();
    await fs.close();
    // A running compression stops at the end of the block it is on; the queued ones never start.
    expect(performance.now() - started).toBeLessThan(2_000);
    // No compression goes on after close: the thread pool's work shows in the process's CPU time.
    const cpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 300));
    const { user, system } = process.cpuUsage(cpu);
    expect((user + system) / 1000).toBeLessThan(50);
    await settled;
    expect(fs.size.encodedBytes).toBe(0);
    expect(logger.lines.filter((l) => !l.startsWith('info'))).toEqual([]);
  });

  it('computes zstd exactly when this Node’s zlib has it', async () => {
    const logger = recordingLogger();
    const { fs } = await mirror({ 'app.js': bundle(40_000) }, { compress: { codings: ['zstd', 'gzip'] }, logger });
    await fs.encodingsSettled();
    const { bytes, encodings } = await openNow(fs, '/app.js');
    expect(encodings.map((e) => e.coding)).toEqual(hasZstd ? ['zstd', 'gzip'] : ['gzip']);
    for (const encoded of encodings) expect(decode(encoded).equals(bytes)).toBe(true);
    const warned = logger.lines.filter((l) => l.startsWith('warn'));
    expect(warned).toEqual(hasZstd ? [] : [expect.stringMatching(/option 'compress': this Node's zlib has no zstd/)]);
  });

  it('refuses bad compress options with a TypeError naming them', () => {
    const bad: [unknown, RegExp][] = [
      ['yes', /option 'compress' must be a boolean/],
      [null, /option 'compress' must be a boolean/],
      [['br'], /option 'compress' must be a boolean/],
      [{ level: 9 }, /unknown option 'compress.level'/],
      [{ codings: [] }, /option 'compress.codings' must be a non-empty array/],
      [{ codings: ['deflate'] }, /option 'compress.codings'/],
      [{ codings: 'br' }, /option 'compress.codings'/],
      [{ minSize: -1 }, /option 'compress.minSize' must be a number >= 0/],
      [{ brotliQuality: 12 }, /option 'compress.brotliQuality' must be an integer from 0 to 11/],
      [{ brotliQuality: 4.5 }, /option 'compress.brotliQuality'/],
      [{ brotliQuality: '5' }, /option 'compress.brotliQuality'/],
    ];
    for (const [compress, message] of bad) expect(() => MemFS.checkOptions({ compress } as MemFSOptions), JSON.stringify(compress)).toThrow(message);
    for (const compress of [true, false, {}, { codings: ['gzip', 'br'] as const, minSize: 0, brotliQuality: 0 }]) expect(() => MemFS.checkOptions({ compress })).not.toThrow();
  });
});
