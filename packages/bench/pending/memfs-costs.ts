/**
 * MemFS costs: time and peak RSS to mirror a tree of 10,000 files and one of 1 GiB, memory held per
 * byte mirrored, and the latency from a write on disk to the new bytes being served.
 *
 * Each measurement runs in a fresh child process (this same file with a mode argument), so peak RSS
 * is that of one mirror alone and garbage from one measurement never lands in the next.
 *
 * Wiring (once MemFS is merged): in cli.ts,
 * `if (!only || only === 'memfs') result.memfs = await runMemfsCosts({ quick, log });`
 * @packageDocumentation
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemFS, readAll, tryOpen } from '@hotfs/core';
import { spread, type Spread } from './stats.js';

/** One mirror measurement. */
export interface MirrorCost {
  tree: string;
  files: number;
  bytes: number;
  /** Wall time of `MemFS.mirror(root)`, in ms. */
  mirrorMs: number;
  /** Peak RSS of the process minus its RSS before mirroring, in bytes. */
  peakRssDelta: number;
  /** RSS held after mirroring and a full GC, minus the baseline, per byte of content. */
  heldPerByte: number;
}

/** Everything the MemFS costs part measures. */
export interface MemfsCosts {
  mirrors: MirrorCost[];
  /** Write on disk to new bytes read back through the FileSystem API, in ms. */
  writeToServed: { writes: number; lost: number; p50Ms: number; p99Ms: number; spreadMs: Spread };
}

type Mode = { mode: 'mirror'; root: string } | { mode: 'latency'; root: string; writes: number };

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

/** Runs this file in a child with `--expose-gc` and resolves to the JSON it sends back. */
function inChild<T>(arg: Mode): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(arg)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { ok?: T; error?: string }) => (m.ok ? resolve(m.ok) : reject(new Error(m.error))));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memfs cost child exited with ${code}`)));
  });
}

/** Runs the MemFS costs part. `quick` shrinks the trees and the number of writes. */
export async function runMemfsCosts(opts: { quick: boolean; log?: (l: string) => void }): Promise<MemfsCosts> {
  const trees = opts.quick
    ? [{ tree: '1,000 files x 1 KiB', files: 1000, size: 1024 }, { tree: '16 files x 1 MiB', files: 16, size: 1 << 20 }]
    : [{ tree: '10,000 files x 1 KiB', files: 10_000, size: 1024 }, { tree: '1 GiB (64 files x 16 MiB)', files: 64, size: 16 << 20 }];
  const mirrors: MirrorCost[] = [];
  for (const t of trees) {
    const root = makeTree(t.files, t.size);
    try {
      const r = await inChild<Omit<MirrorCost, 'tree' | 'files' | 'bytes'>>({ mode: 'mirror', root });
      mirrors.push({ tree: t.tree, files: t.files, bytes: t.files * t.size, ...r, heldPerByte: r.heldPerByte / (t.files * t.size) });
      opts.log?.(`memfs: mirrored ${t.tree} in ${r.mirrorMs.toFixed(0)} ms`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const root = makeTree(20, 640);
  try {
    const writeToServed = await inChild<MemfsCosts['writeToServed']>({ mode: 'latency', root, writes: opts.quick ? 20 : 300 });
    return { mirrors, writeToServed };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The child side: one mirror measurement (heldPerByte is returned in bytes, divided by the parent). */
async function mirrorChild(root: string) {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const fs = await MemFS.mirror(root);
  const mirrorMs = performance.now() - t0;
  // maxRSS is the process's peak in KiB: read before the GC so the scan's garbage is counted.
  const peakRssDelta = process.resourceUsage().maxRSS * 1024 - before;
  globalThis.gc?.();
  const heldPerByte = process.memoryUsage().rss - before;
  await fs.close();
  return { mirrorMs, peakRssDelta, heldPerByte };
}

/**
 * The child side of the write latency: writes new content to one of 20 files in turn (so no path is
 * rewritten within the watcher's per-path throttle window) and polls the mirror until it serves it.
 */
async function latencyChild(root: string, writes: number): Promise<MemfsCosts['writeToServed']> {
  const fs = await MemFS.mirror(root);
  const lat: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < writes; i++) {
      const n = i % 20;
      const path = `/d0/f${n}.txt`;
      const token = `write ${i} ${'x'.repeat(600)}`;
      const t0 = performance.now();
      writeFileSync(join(root, 'd0', `f${n}.txt`), token);
      let seen = false;
      while (performance.now() - t0 < 5000) {
        const f = await tryOpen(fs, path);
        if (f) {
          const bytes = await readAll(f);
          await f.close();
          if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString() === token) {
            seen = true;
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 0.2));
      }
      if (seen) lat.push(performance.now() - t0);
      else lost++;
    }
  } finally {
    await fs.close();
  }
  const s = [...lat].sort((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
  return { writes, lost, p50Ms: pct(50), p99Ms: pct(99), spreadMs: spread(lat) };
}

/** Markdown section for the report. */
export function memfsCostsMarkdown(c: MemfsCosts): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    '## MemFS costs',
    '',
    '| tree | files | bytes | mirror time | peak RSS added | held per byte mirrored |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...c.mirrors.map((m) => `| ${m.tree} | ${m.files} | ${mib(m.bytes)} | ${m.mirrorMs.toFixed(0)} ms | ${mib(m.peakRssDelta)} | ${m.heldPerByte.toFixed(2)} |`),
    '',
    `Write on disk to new bytes served: p50 ${c.writeToServed.p50Ms.toFixed(2)} ms, p99 ${c.writeToServed.p99Ms.toFixed(2)} ms over ${c.writeToServed.writes} writes (${c.writeToServed.lost} never seen within 5 s).`,
    '',
  ].join('\n');
}

// Child entry: `node memfs-costs.js '<json Mode>'` under fork() from runMemfsCosts.
if (process.send && process.argv[2]?.startsWith('{')) {
  const arg = JSON.parse(process.argv[2]) as Mode;
  const work = arg.mode === 'mirror' ? mirrorChild(arg.root) : latencyChild(arg.root, arg.writes);
  work.then(
    (ok) => process.send!({ ok }, () => process.exit(0)),
    (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
}
