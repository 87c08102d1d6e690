/**
 * MemFS costs: time and peak RSS to mirror a tree of 10,000 files and one of 1 GiB, memory held per
 * byte mirrored, and the latency from a write on disk to the new bytes being served through MemFS.
 *
 * Each measurement runs in a fresh child process (this same file with a JSON mode argument), so peak
 * RSS is that of one mirror alone and garbage from one measurement never lands in the next.
 * @packageDocumentation
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemFS, readFile, type ContentCoding } from '@hotfs/core';
import { childMain, inChild } from './child.js';
import { bundleOfSize } from './fixtures.js';
import { spread, type Spread } from './stats.js';

/** Memory budget of the issue: at most 1.2x the bytes mirrored plus 2 KiB per file. */
export const HELD_PER_BYTE = 1.2;
const HELD_PER_FILE = 2048;
/** Target of the issue for the write-to-served latency, p99, in ms. */
export const WRITE_P99_MS = 100;

/** One mirror measurement, made in a child process of its own. */
export interface MirrorCost {
  tree: string;
  files: number;
  bytes: number;
  /** What `fs.size` reported once loaded: checks that the mirror holds the whole tree. */
  mirrored: { files: number; directories: number; bytes: number; filesOnDisk: number };
  /** Wall time of `MemFS.mirror(root)` (scan, read and watcher start), in ms. */
  mirrorMs: number;
  /** RSS of the child before mirroring, and its peak (`maxRSS`) by the time the mirror resolved, in bytes. */
  rssBefore: number;
  peakRss: number;
  /** Heap + external memory (Buffers) held after mirroring and a full GC, minus the same before. */
  heldBytes: number;
  /** RSS after mirroring and a full GC minus RSS before (the allocator may keep freed pages: an upper bound). */
  heldRss: number;
  /** `heldBytes / bytes`. */
  heldPerByte: number;
  /** The budget for this tree: `1.2 * bytes + 2 KiB * files`. */
  budgetBytes: number;
}

/** Write on disk to the new bytes read back through MemFS, in ms. */
export interface WriteToServed {
  writes: number;
  /** Writes whose bytes were not served within 5 s. */
  lost: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  spreadMs: Spread;
}

/** A rewrite of a 1 MiB bundle to its encodings served by MemFS (`compress: true`), in ms per coding. */
interface EncodingsServed {
  writes: number;
  /** Median and slowest time from the write to the new version served in each representation. */
  p50Ms: Record<'identity' | ContentCoding, number>;
  maxMs: Record<'identity' | ContentCoding, number>;
}

/** Everything the MemFS costs part measures. */
export interface MemfsCosts {
  mirrors: MirrorCost[];
  writeToServed: WriteToServed;
  /** The same with the file truncated first and written 3 ms later (fs.writeFile under load). */
  writeToServedSplit: WriteToServed;
  encodingsServed: EncodingsServed;
}

type Mode = { mode: 'mirror'; root: string } | { mode: 'latency'; root: string; writes: number; split: boolean } | { mode: 'encodings'; root: string; writes: number };

/** Builds a tree of `files` files of `size` bytes, 100 per directory; returns its root. */
function makeTree(files: number, size: number): string {
  const root = mkdtempSync(join(tmpdir(), 'hotfs-memfs-cost-'));
  const body = Buffer.alloc(size, 0x61);
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir);
    writeFileSync(join(dir, `f${i}.txt`), body);
  }
  return root;
}

/** Runs the MemFS costs part. `quick` shrinks the trees and the number of writes. */
export async function runMemfsCosts(opts: { quick: boolean; log?: (l: string) => void }): Promise<MemfsCosts> {
  const trees = opts.quick
    ? [
        { tree: '1,000 files x 1 KiB', files: 1000, size: 1024 },
        { tree: '16 MiB (16 files x 1 MiB)', files: 16, size: 1 << 20 },
      ]
    : [
        { tree: '10,000 files x 1 KiB', files: 10_000, size: 1024 },
        { tree: '1 GiB (64 files x 16 MiB)', files: 64, size: 16 << 20 },
      ];
  const mirrors: MirrorCost[] = [];
  for (const t of trees) {
    const root = makeTree(t.files, t.size);
    try {
      const bytes = t.files * t.size;
      const r = await inChild<Omit<MirrorCost, 'tree' | 'files' | 'bytes' | 'heldPerByte' | 'budgetBytes'>>(import.meta.url, { mode: 'mirror', root });
      mirrors.push({ tree: t.tree, files: t.files, bytes, ...r, heldPerByte: r.heldBytes / bytes, budgetBytes: HELD_PER_BYTE * bytes + HELD_PER_FILE * t.files });
      opts.log?.(`memfs: mirrored ${t.tree} in ${r.mirrorMs.toFixed(0)} ms, peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const root = makeTree(20, 640);
  try {
    const writes = opts.quick ? 20 : 300;
    const writeToServed = await inChild<WriteToServed>(import.meta.url, { mode: 'latency', root, writes, split: false });
    opts.log?.(`memfs: write to served p50 ${writeToServed.p50Ms.toFixed(2)} ms, p99 ${writeToServed.p99Ms.toFixed(2)} ms`);
    const writeToServedSplit = await inChild<WriteToServed>(import.meta.url, { mode: 'latency', root, writes: writes / 4, split: true });
    opts.log?.(`memfs: truncate, write 3 ms later, to served p50 ${writeToServedSplit.p50Ms.toFixed(2)} ms, p99 ${writeToServedSplit.p99Ms.toFixed(2)} ms`);
    const encodingsServed = await inChild<EncodingsServed>(import.meta.url, { mode: 'encodings', root, writes: opts.quick ? 3 : 10 });
    opts.log?.(`memfs: 1 MiB bundle rewritten to br served p50 ${encodingsServed.p50Ms.br.toFixed(0)} ms`);
    return { mirrors, writeToServed, writeToServedSplit, encodingsServed };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const held = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** The child side: one mirror measurement. */
async function mirrorChild(root: string): Promise<Omit<MirrorCost, 'tree' | 'files' | 'bytes' | 'heldPerByte' | 'budgetBytes'>> {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heldBefore = held();
  const t0 = performance.now();
  const fs = await MemFS.mirror(root);
  const mirrorMs = performance.now() - t0;
  // maxRSS is the process's peak in KiB: read before the GC so the scan's garbage is counted.
  const peakRss = process.resourceUsage().maxRSS * 1024;
  globalThis.gc?.();
  const heldBytes = held() - heldBefore;
  const heldRss = process.memoryUsage().rss - rssBefore;
  const mirrored = fs.size;
  await fs.close();
  return { mirrored, mirrorMs, rssBefore, peakRss, heldBytes, heldRss };
}

/**
 * The child side of the write latency: writes new content to one of 20 files in turn (so no path is
 * rewritten within the watcher's per-path settle window) and reads it back through the mirror on each
 * change event for that path (and every 10 ms in case an event is missed) until it serves the new bytes.
 */
async function latencyChild(root: string, writes: number, split: boolean): Promise<WriteToServed> {
  const fs = await MemFS.mirror(root);
  let want = '';
  let wake: (() => void) | undefined;
  fs.on('change', ({ path }) => {
    if (path === want) wake?.();
  });
  const lat: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < writes; i++) {
      const n = i % 20;
      want = `/d0/f${n}.txt`;
      const token = Buffer.from(`${split ? 'split' : 'write'} ${i} ${'x'.repeat(600)}`);
      const t0 = performance.now();
      if (split) {
        // What fs.writeFile does, with the gap a busy machine leaves between its open and its write.
        const fd = openSync(join(root, 'd0', `f${n}.txt`), 'w');
        await new Promise((r) => setTimeout(r, 3));
        writeSync(fd, token);
        closeSync(fd);
      } else writeFileSync(join(root, 'd0', `f${n}.txt`), token);
      let seen = false;
      while (performance.now() - t0 < 5000) {
        const bytes = await readFile(fs, want).catch(() => undefined);
        if (bytes && Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), token) === 0) {
          seen = true;
          break;
        }
        await new Promise<void>((r) => {
          const timer = setTimeout(r, 10);
          wake = () => (clearTimeout(timer), r());
        });
        wake = undefined;
      }
      if (seen) lat.push(performance.now() - t0);
      else lost++;
    }
  } finally {
    await fs.close();
  }
  const s = [...lat].sort((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  return { writes, lost, p50Ms: pct(50), p99Ms: pct(99), maxMs: s[s.length - 1] ?? Number.NaN, spreadMs: spread(lat) };
}

/**
 * The child side of the encodings latency: rewrites a 1 MiB bundle (new bytes each time) under a
 * MemFS that computes encodings, and polls every 5 ms until the new version is served as it is and
 * in each coding this Node computes.
 */
async function encodingsChild(root: string, writes: number): Promise<EncodingsServed> {
  const fs = await MemFS.mirror(root, { compress: true });
  const host = join(root, 'bundle.js');
  const seen: Record<string, number[]> = {};
  try {
    for (let i = 0; i < writes; i++) {
      // Exactly 1 MiB (the size decides the brotli level), its last line new each time.
      const body = bundleOfSize(1 << 20);
      body.write(`\n// build ${i} ${Date.now()}`.padEnd(40), body.length - 40);
      const t0 = performance.now();
      writeFileSync(host, body);
      const pending = new Set<string>(['identity', 'br', 'gzip', 'zstd']);
      while (pending.size > 0 && performance.now() - t0 < 20_000) {
        const file = await fs.open('/bundle.js').catch(() => undefined);
        if (file?.bytes && Buffer.from(file.bytes()).equals(body)) {
          const ready = ['identity', ...(file.encodings?.().map((e) => e.coding) ?? [])];
          for (const r of ready) if (pending.delete(r)) (seen[r] ??= []).push(performance.now() - t0);
          // zstd only where this Node's zlib has it: once br and gzip are there, it is not waited for.
          if (!pending.has('br') && !pending.has('gzip')) pending.delete('zstd');
        }
        await file?.close();
        await new Promise((r) => setTimeout(r, 5));
      }
      await fs.encodingsSettled();
    }
  } finally {
    await fs.close();
  }
  const at = (name: string, pick: (s: number[]) => number) => (seen[name]?.length ? pick([...seen[name]].sort((a, b) => a - b)) : Number.NaN);
  const median = (s: number[]) => s[Math.floor((s.length - 1) / 2)]!;
  const max = (s: number[]) => s[s.length - 1]!;
  const table = (pick: (s: number[]) => number) => ({ identity: at('identity', pick), br: at('br', pick), zstd: at('zstd', pick), gzip: at('gzip', pick) });
  return { writes, p50Ms: table(median), maxMs: table(max) };
}

/** Whether a mirror held no more than the budget. */
export function withinBudget(m: MirrorCost): boolean {
  return m.heldBytes <= m.budgetBytes;
}

/** The MemFS costs as a table (the report renders it as text and markdown like the others). */
export function memfsCostsTable(c: MemfsCosts): { title: string; head: string[]; rows: string[][]; note: string } {
  const mib = (b: number) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(1)} MiB` : 'n/a');
  const w = c.writeToServed;
  const split = c.writeToServedSplit;
  const e = c.encodingsServed;
  const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'n/a');
  const codings = (['identity', 'gzip', 'br', 'zstd'] as const).map((k) => `${k} ${ms(e.p50Ms[k])} (max ${ms(e.maxMs[k])})`).join(', ');
  return {
    title: 'MemFS costs: mirroring a tree (one child process per tree), memory held, write-to-served latency',
    head: ['tree', 'files', 'bytes', 'mirror time', 'peak RSS (added)', 'held (heap + buffers)', 'held per byte', `budget (${HELD_PER_BYTE}x + 2 KiB/file)`, 'RSS held'],
    rows: c.mirrors.map((m) => [
      m.tree,
      String(m.files),
      mib(m.bytes),
      `${m.mirrorMs.toFixed(0)} ms`,
      `${mib(m.peakRss)} (+${mib(m.peakRss - m.rssBefore)})`,
      mib(m.heldBytes),
      m.heldPerByte.toFixed(3),
      `${mib(m.budgetBytes)} ${withinBudget(m) ? 'ok' : 'OVER'}`,
      mib(m.heldRss),
    ]),
    note:
      `Write on disk to new bytes served through MemFS: p50 ${w.p50Ms.toFixed(2)} ms, p99 ${w.p99Ms.toFixed(2)} ms, max ${w.maxMs.toFixed(2)} ms over ${w.writes} writes (${w.lost} not served within 5 s). ` +
      `Truncated first and written 3 ms later: p50 ${split.p50Ms.toFixed(2)} ms, p99 ${split.p99Ms.toFixed(2)} ms over ${split.writes} writes (${split.lost} lost). ` +
      `A 1 MiB bundle rewritten, to the new version served (compress on), median over ${e.writes} writes: ${codings}. ` +
      `Held = heapUsed + external after a full GC minus before; RSS held is an upper bound (the allocator keeps freed pages).`,
  };
}

// Child entry: `node memfs-costs.js '<json Mode>'` under inChild() from runMemfsCosts.
childMain<Mode>(import.meta.url, (arg) =>
  arg.mode === 'mirror' ? mirrorChild(arg.root) : arg.mode === 'latency' ? latencyChild(arg.root, arg.writes, arg.split) : encodingsChild(arg.root, arg.writes),
);
