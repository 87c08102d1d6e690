/**
 * FileSystem-level benchmark: every backend through the public `@hotfs/core` API, in one tinybench
 * run per round, with the backends of one case next to each other so drift hits them alike.
 * @packageDocumentation
 */
import { DiskFS, MemFS, hasBytes, hasTryOpenSync, readAll, readFile, tryOpen, tryStat, type FileSystem } from '@hotfs/core';
import { Bench } from 'tinybench';
import { mapOf, overlayOf, subOf, volumeOf, zipDeflatedOf, zipStoredOf } from './backends.js';
import { FIXTURE_FILES, ROTATION_DIR } from './fixtures.js';
import { ratio, spread, type Spread } from './stats.js';

/** A backend under test: one registration in {@link backends}. */
export interface Backend {
  /** Name shown in reports. The first backend is the baseline ratios are taken against. */
  name: string;
  /** Builds the backend over the fixture root (MemFS mirrors it here, outside the timed part). */
  make(root: string): FileSystem | Promise<FileSystem>;
}

/** Backends in the FS-level run; ratios are taken against the first. */
export const backends: Backend[] = [
  { name: 'MemFS', make: (root) => MemFS.mirror(root) },
  { name: 'DiskFS', make: (root) => new DiskFS(root) },
  // DiskFS before io: 'sync' became its default, and the choice for slow or network filesystems.
  { name: 'DiskFS io async', make: (root) => new DiskFS(root, { io: 'async' }) },
  { name: 'MapFS', make: mapOf },
  { name: 'VolumeFS', make: volumeOf },
  { name: 'SubFS(MemFS)', make: subOf },
  { name: 'OverlayFS(MapFS, MemFS)', make: overlayOf },
  { name: 'ZipFS stored', make: (root) => zipStoredOf(root) },
  { name: 'ZipFS stored in memory', make: (root) => zipStoredOf(root, true) },
  { name: 'ZipFS deflated', make: zipDeflatedOf },
];

/** One FS-level case: an operation repeated by tinybench (sync, or an `async` function). */
interface FsCase {
  name: string;
  op(fs: FileSystem): (() => unknown) | PreparedOp;
  /**
   * Operations per tinybench call. tinybench times every call (~0.1 µs of its own), which would
   * swamp operations of a few tens of ns: like Go's b.N loop, fast cases run a batch per call and
   * are reported per operation. Every backend runs the same batch.
   */
  batch?: number;
}

/** An operation whose inputs are made before each tinybench call, outside the timed part. */
interface PreparedOp {
  run: () => unknown;
  beforeEach: () => void;
}

/** Batch of the cases whose fastest backend takes well under a microsecond. */
const FAST_BATCH = 32;

/** `op` repeated `n` times per call, staying sync or async as `op` is. */
function batched(op: () => unknown, n: number): () => unknown {
  if (n === 1) return op;
  if (op.constructor.name === 'AsyncFunction') {
    return async () => {
      for (let i = 0; i < n; i++) await op();
    };
  }
  return () => {
    for (let i = 0; i < n; i++) op();
  };
}

/**
 * open + read the whole file + close, by the fastest public route: without a promise when the
 * backend offers tryOpenSync and the file offers bytes() (MemFS; DiskFS for files up to SYNC_READ_LIMIT, 16 KiB),
 * else tryOpen + readAll (which still uses bytes() if offered).
 */
function readWhole(path: string): (fs: FileSystem) => () => unknown {
  return (fs) => {
    const probe = hasTryOpenSync(fs) ? fs.tryOpenSync(path) : undefined;
    const sync = probe !== undefined && hasBytes(probe);
    void probe?.close();
    if (sync && hasTryOpenSync(fs)) {
      return () => {
        const file = fs.tryOpenSync(path);
        if (file === undefined || !hasBytes(file)) throw new Error(`fixture file ${path} changed while measured`);
        try {
          return file.bytes();
        } finally {
          void file.close();
        }
      };
    }
    return async () => {
      const file = await tryOpen(fs, path);
      if (!file) throw new Error(`fixture file ${path} missing`);
      try {
        return await readAll(file);
      } finally {
        await file.close();
      }
    };
  };
}

/**
 * Missing paths, a different one for every lookup so no backend can answer from a cache, made
 * before each tinybench call: what the case measures is the backend's lookup, not building a
 * string. Each is a flat string decoded from bytes, never looked up before (its hash not yet
 * computed), as `req.url` is when a request arrives.
 */
export class MissingPaths {
  readonly #paths: string[];
  readonly #buf = Buffer.alloc(64);
  #made = 0;
  #taken = 0;

  constructor(readonly batch: number) {
    this.#paths = new Array<string>(batch).fill('');
  }

  /** Makes the next batch of never-seen paths. */
  refill(): void {
    for (let i = 0; i < this.batch; i++) {
      const length = this.#buf.write(`/missing-${this.#made++}.txt`, 'latin1');
      this.#paths[i] = this.#buf.toString('latin1', 0, length);
    }
    this.#taken = 0;
  }

  /** The next path of the batch; throws when the batch is used up (a bench wiring bug). */
  next(): string {
    if (this.#taken === this.batch) throw new Error('MissingPaths: batch used up before refill()');
    return this.#paths[this.#taken++]!;
  }
}

const F = FIXTURE_FILES;

/** The FS-level cases, in report order. */
export const fsCases: FsCase[] = [
  {
    // A lookup of a missing path (Go's benchmark opened one), by the fastest public route: tryOpenSync
    // opens nothing on a miss, so backends that offer it answer without a promise; else tryStat.
    name: 'stat miss',
    op: (fs) => {
      const paths = new MissingPaths(FAST_BATCH);
      const sync = fs.tryOpenSync?.bind(fs);
      const run = sync
        ? () => {
            if (sync(paths.next()) !== undefined) throw new Error('a missing path was found');
          }
        : async () => tryStat(fs, paths.next());
      return { run, beforeEach: () => paths.refill() };
    },
    batch: FAST_BATCH,
  },
  { name: 'stat hit', op: (fs) => async () => tryStat(fs, F.b640.path), batch: FAST_BATCH },
  { name: 'read 0 B', op: readWhole(F.empty.path), batch: FAST_BATCH },
  { name: 'read 640 B', op: readWhole(F.b640.path), batch: FAST_BATCH },
  { name: 'read 64 KiB', op: readWhole(F.k64.path), batch: FAST_BATCH },
  { name: 'read 5 MiB', op: readWhole(F.m5.path) },
  { name: 'read 100 MiB', op: readWhole(F.m100.path) },
  { name: 'readdir 1,000', op: (fs) => () => fs.readdir(ROTATION_DIR) },
];

/** Timing of one backend on one case. */
export interface FsMeasure {
  /** Operations per second per round: operations done over the time they took (1 / mean latency). */
  opsPerSec: Spread;
  /** Median latency per round, in microseconds. */
  p50Us: Spread;
  /** Rounds whose task errored, with the message. */
  error?: string;
}

/** Result of one FS-level case. */
export interface FsCaseResult {
  name: string;
  results: Record<string, FsMeasure>;
  /** Each backend's ops/s divided by the baseline's (the first backend). */
  ratioToBaseline: Record<string, number>;
}

/** Options of {@link runFsBench}. */
export interface FsBenchOptions {
  root: string;
  rounds: number;
  /** tinybench time budget per task and round, in ms. */
  timeMs: number;
  quick: boolean;
  backends?: Backend[];
  log?: (line: string) => void;
}

/** Runs the FS-level bench: `rounds` interleaved rounds over every case and backend. */
export async function runFsBench(opts: FsBenchOptions): Promise<{ backends: string[]; cases: FsCaseResult[] }> {
  const list = opts.backends ?? backends;
  const instances: FileSystem[] = [];
  for (const b of list) instances.push(await b.make(opts.root));
  // Every case measures a backend after its first read of each file (a cache filled, an entry inflated).
  for (const fs of instances) for (const { path } of Object.values(F)) await readFile(fs, path);
  const ops: Record<string, number[]> = {};
  const p50s: Record<string, number[]> = {};
  const errors: Record<string, string> = {};
  const batchOf = new Map<string, number>(fsCases.flatMap((c) => list.map((b): [string, number] => [`${c.name}\u0000${b.name}`, c.batch ?? 1])));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const bench = new Bench({ time: opts.timeMs, warmupTime: Math.min(100, opts.timeMs / 2), iterations: opts.quick ? 2 : 16 });
      // Alternate which backend goes first, so neither always inherits the other's garbage.
      const order = list.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const c of fsCases) {
        for (const i of order) {
          const key = `${c.name}\u0000${list[i]!.name}`;
          const op = c.op(instances[i]!);
          if (typeof op === 'function') bench.add(key, batched(op, c.batch ?? 1));
          else bench.add(key, batched(op.run, c.batch ?? 1), { beforeEach: op.beforeEach });
        }
      }
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result;
        if ('throughput' in r && r.state === 'completed') {
          const batch = batchOf.get(task.name) ?? 1;
          // Operations over the time they took, as Go's ns/op. Not tinybench's throughput.mean: a
          // mean of per-call rates, it flatters a backend whose calls vary (DiskFS's stat miss by 4-10%).
          (ops[task.name] ??= []).push((batch * 1000) / r.latency.mean);
          (p50s[task.name] ??= []).push((r.latency.p50 * 1000) / batch);
        } else if (r.state === 'errored') {
          errors[task.name] = String(r.error?.message ?? r.error);
        }
      }
      opts.log?.(`fs round ${round + 1}/${opts.rounds} done`);
    }
  } finally {
    for (const fs of instances) await fs.close();
  }
  const cases = fsCases.map((c): FsCaseResult => {
    const results: Record<string, FsMeasure> = {};
    for (const b of list) {
      const key = `${c.name}\u0000${b.name}`;
      results[b.name] = { opsPerSec: spread(ops[key] ?? []), p50Us: spread(p50s[key] ?? []) };
      if (errors[key]) results[b.name]!.error = errors[key];
    }
    const base = results[list[0]!.name]!.opsPerSec.median;
    const ratioToBaseline = Object.fromEntries(list.map((b) => [b.name, ratio(results[b.name]!.opsPerSec.median, base)]));
    return { name: c.name, results, ratioToBaseline };
  });
  return { backends: list.map((b) => b.name), cases };
}
