/**
 * Worker threads: the `hotfs` command itself (`packages/node-http/dist/cli.js`) with `--workers 1`
 * and `--workers N`, over the bench fixture on the mem backend (one mirror shared by every thread),
 * loaded by the bench's load generator. Worker threads on one port need `reusePort` (Node ≥ 22.12),
 * so the server runs under Node 24 (`npx -y node@24`, resolved once to its binary) whatever Node
 * the bench runs on. Nothing is pinned: the generator shares the cores with the server's threads.
 *
 * CPU and memory are read from `/proc/<pid>`, so every thread of the server process counts.
 * @packageDocumentation
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_FILES } from './fixtures.js';
import { probe } from './http-cases.js';
import type { LoadGenerator } from './load.js';
import { spread, type Spread } from './stats.js';

/** One worker count, over every round. */
interface WorkersMeasure {
  workers: number;
  /** Requests per second for the 1 KiB file and the 1 MiB file. */
  rps1k: Spread;
  rps1m: Spread;
  /** Server CPU (every thread, user + system) per request, in µs. */
  cpu1k: Spread;
  cpu1m: Spread;
  /** Cores the server kept busy during each run (CPU time over wall time). */
  cores1k: Spread;
  cores1m: Spread;
  /** VmRSS of the server process after both loads, in bytes. */
  rss: Spread;
  /** Why a round had no numbers. */
  error?: string;
}

/** What the workers part measured. */
export interface WorkersResult {
  /** The Node version the `hotfs` command ran on. */
  serverNode: string;
  /** CPUs of the machine (the generator shares them). */
  cpus: number;
  /** Keep-alive connections in every run. */
  connections: number;
  /** Bytes the mirror holds (the fixture). */
  mirrorBytes: number;
  rows: WorkersMeasure[];
}

/** Keep-alive connections per run: reusePort hashes each connection to one thread, and a few could land unevenly. */
const CONNECTIONS = 16;
/** How much slower than N x one worker N workers may be. */
const SCALING = 0.8;
/** How much more than one worker's RSS N workers may hold, besides the per-worker cost. */
const MEMORY_SLACK = 1.1;

/**
 * The worker counts a `--workers` value names: a list of counts or `auto` (available parallelism);
 * 1 is always measured, as the baseline. Throws a message naming the bad entry.
 */
export function parseWorkerCounts(text: string): number[] {
  const counts = text.split(',').map((s) => {
    const t = s.trim();
    const n = t === 'auto' ? availableParallelism() : Number(t);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--workers takes counts from 1 to 64 or auto, as a list; got ${t}`);
    return n;
  });
  return [...new Set([1, ...counts])].sort((a, b) => a - b);
}

/** The Node 24 binary `npx -y node@24` runs, and its version. */
function node24(): { path: string; version: string } {
  const run = spawnSync('npx', ['-y', 'node@24', '-p', 'process.execPath + " " + process.version'], { encoding: 'utf8', timeout: 300_000 });
  const [path, version] = run.stdout?.trim().split(' ') ?? [];
  if (run.status !== 0 || !path || !version) throw new Error(`npx -y node@24 failed: ${(run.error?.message ?? run.stderr ?? '').slice(-300)}`);
  return { path, version };
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system, every thread) of a process, in µs, from `/proc/<pid>/stat`. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name (which may hold spaces): field 3 is the state, 14 and 15 utime and stime.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / TICKS) * 1e6;
}

/** VmRSS of a process, in bytes. */
function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

interface Hotfs {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Starts `hotfs --workers n` on a free port and waits for it to listen (after the whole mirror is loaded). */
function startHotfs(node: string, workers: number, root: string): Promise<Hotfs> {
  const cli = fileURLToPath(new URL('../../node-http/dist/cli.js', import.meta.url));
  const args = [cli, '--path', root, '--addr', '127.0.0.1:0', '--prefix', '/', '--workers', String(workers), '--wait-for-mirror', '--no-compress'];
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => 'ok'), new Promise((r) => setTimeout(r, 15_000, 'timeout'))])) === 'timeout') child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`hotfs --workers ${workers} ${why}: ${(err || out).slice(-400)}`));
    };
    const timer = setTimeout(() => fail('did not listen within 60 s'), 60_000);
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const early = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before listening`);
    child.once('exit', early);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      if (!port) return;
      // Threads sharing one mirror is what is measured; node:cluster processes would be another thing.
      if (workers > 1 && !out.includes(`with ${workers} worker threads sharing one mirror`)) return fail('did not start worker threads sharing one mirror');
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ pid: child.pid!, port: Number(port), stop });
    });
  });
}

interface Sample {
  rps1k: number;
  rps1m: number;
  cpu1k: number;
  cpu1m: number;
  cores1k: number;
  cores1m: number;
  rss: number;
}

/** Options of {@link runWorkersBench}. */
export interface WorkersBenchOptions {
  root: string;
  generator: LoadGenerator;
  /** Worker counts, 1 included (see {@link parseWorkerCounts}). */
  counts: number[];
  rounds: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
  log?: (line: string) => void;
}

/** Runs the workers part: for each round, each worker count in turn (rotated), a fresh server. */
export async function runWorkersBench(opts: WorkersBenchOptions): Promise<WorkersResult> {
  const node = node24();
  opts.log?.(`workers: hotfs on Node ${node.version} (${node.path}), worker counts ${opts.counts.join(', ')}, unpinned`);
  const samples = new Map<number, Sample[]>(opts.counts.map((n) => [n, []]));
  const errors = new Map<number, string>();
  for (let round = 0; round < opts.rounds; round++) {
    const order = opts.counts.map((_, i) => opts.counts[(i + round) % opts.counts.length]!);
    for (const n of order) {
      let server: Hotfs | undefined;
      try {
        server = await startHotfs(node.path, n, opts.root);
        const small = await measureCase(opts, server, FIXTURE_FILES.k1);
        const large = await measureCase(opts, server, FIXTURE_FILES.m1);
        const s: Sample = { rps1k: small.rps, rps1m: large.rps, cpu1k: small.cpu, cpu1m: large.cpu, cores1k: small.cores, cores1m: large.cores, rss: rssBytes(server.pid) };
        samples.get(n)!.push(s);
        opts.log?.(`workers: ${n}: ${s.rps1k.toFixed(0)} req/s 1 KiB, ${s.rps1m.toFixed(0)} req/s 1 MiB, RSS ${(s.rss / 2 ** 20).toFixed(0)} MiB`);
      } catch (err) {
        errors.set(n, String((err as Error).message ?? err).slice(0, 300));
        opts.log?.(`workers: ${n}: ${errors.get(n)}`);
      } finally {
        await server?.stop();
      }
    }
  }
  const rows = opts.counts.map((n): WorkersMeasure => {
    const s = samples.get(n)!;
    const of = (k: keyof Sample) => spread(s.map((x) => x[k]));
    const error = errors.get(n);
    return {
      workers: n,
      rps1k: of('rps1k'),
      rps1m: of('rps1m'),
      cpu1k: of('cpu1k'),
      cpu1m: of('cpu1m'),
      cores1k: of('cores1k'),
      cores1m: of('cores1m'),
      rss: of('rss'),
      ...(error ? { error } : {}),
    };
  });
  // What the mirror holds: every file of the tree but the dotfiles, which the command leaves out.
  const files = readdirSync(opts.root, { recursive: true, encoding: 'utf8' }).filter((p) => !p.split('/').some((s) => s.startsWith('.')));
  const mirrorBytes = files.reduce((a, p) => a + (statSync(join(opts.root, p)).isFile() ? statSync(join(opts.root, p)).size : 0), 0);
  return { serverNode: node.version, cpus: availableParallelism(), connections: CONNECTIONS, mirrorBytes, rows };
}

/** One file's throughput run, with the server's CPU over it. */
async function measureCase(opts: WorkersBenchOptions, server: Hotfs, file: { path: string; size: number }): Promise<{ rps: number; cpu: number; cores: number }> {
  const answer = await probe(server.port, file.path, {});
  if (answer.status !== 200 || answer.bodyBytes !== file.size) throw new Error(`${file.path} answered ${answer.status} with ${answer.bodyBytes} bytes`);
  const job = { port: server.port, paths: [file.path], headers: {}, connections: CONNECTIONS, maxRequests: opts.maxRequests };
  if (opts.warmupMs > 0) await opts.generator.run({ ...job, durationMs: opts.warmupMs });
  const cpu0 = cpuMicros(server.pid);
  const load = await opts.generator.run({ ...job, durationMs: opts.durationMs });
  const cpu = cpuMicros(server.pid) - cpu0;
  if (load.requests === 0) throw new Error(`no request to ${file.path} completed`);
  if (load.socketErrors || load.non2xx3xx) throw new Error(`${file.path}: ${load.socketErrors} socket errors, ${load.non2xx3xx} error answers under load`);
  return { rps: load.requests / load.seconds, cpu: cpu / load.requests, cores: cpu / 1e6 / load.seconds };
}

const mib = (n: number) => (Number.isFinite(n) ? `${(n / 2 ** 20).toFixed(1)}` : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
/** "median (min–max)" when rounds differ. */
const sp = (s: Spread, fmt: (n: number) => string) => (s.min === s.max || !Number.isFinite(s.median) ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`);

/** The "Workers" table (the report renders it as text and markdown like the others). */
export function workersTable(w: WorkersResult): { title: string; head: string[]; rows: string[][]; note: string } {
  const base = w.rows.find((r) => r.workers === 1)?.rss.median ?? Number.NaN;
  return {
    title: `Workers: the hotfs command with --workers N on Node ${w.serverNode} (mem backend, one mirror of ${mib(w.mirrorBytes)} MiB shared by the threads), unpinned on ${w.cpus} CPUs`,
    head: ['N', 'req/s 1 KiB', 'req/s 1 MiB', 'CPU µs/req 1 KiB', 'CPU µs/req 1 MiB', 'cores busy 1 KiB / 1 MiB', 'RSS MiB', 'RSS vs 1 worker'],
    rows: w.rows.map((r) =>
      r.error && !Number.isFinite(r.rps1k.median)
        ? [String(r.workers), 'failed', '', '', '', '', '', r.error.slice(0, 60)]
        : [
            String(r.workers),
            sp(r.rps1k, f0),
            sp(r.rps1m, f0),
            sp(r.cpu1k, (n) => n.toFixed(1)),
            sp(r.cpu1m, (n) => n.toFixed(1)),
            `${f2(r.cores1k.median)} / ${f2(r.cores1m.median)}`,
            sp(r.rss, mib),
            `${f2(r.rss.median / base)}x`,
          ],
    ),
    note:
      `Unpinned: the load generator runs on the same ${w.cpus} cores as the server's threads, so with N workers and the generator there are N + 1 busy processes/threads for ${w.cpus} cores: ` +
      `on a machine without spare cores req/s measures how the scheduler shares them, not how far the workers scale, and CPU µs per request (all threads, from /proc) is the steadier number. ` +
      `${w.connections} keep-alive connections per run (reusePort gives each connection to one thread). N = 1 is the command without worker threads (the main thread serves). ` +
      `RSS is VmRSS after both loads. Measure scaling on a machine with more than N cores: \`pnpm bench --only workers --workers 1,2,4\` (or \`--workers auto\`).`,
  };
}

/** The scaling and memory targets, one line per worker count above 1. */
export function workersTargets(w: WorkersResult): { target: string; measured: string; met: boolean | null }[] {
  const one = w.rows.find((r) => r.workers === 1);
  return w.rows
    .filter((r) => r.workers > 1)
    .flatMap((r) => {
      const n = r.workers;
      const x1k = r.rps1k.median / (one?.rps1k.median ?? Number.NaN);
      const x1m = r.rps1m.median / (one?.rps1m.median ?? Number.NaN);
      const measuredOk = Number.isFinite(x1k) && Number.isFinite(x1m);
      // N server threads and the generator each want a core: with fewer, req/s cannot scale by N.
      const judged = w.cpus > n;
      const scaling = {
        target: `Workers: ${n} workers >= ${SCALING}·${n} x one worker's req/s (1 KiB and 1 MiB)`,
        measured: `${f2(x1k)}x (1 KiB), ${f2(x1m)}x (1 MiB) one worker's; needs ${f2(SCALING * n)}x` + (judged ? '' : `; not judged here (${n} + generator > ${w.cpus} cores)`),
        met: !measuredOk || !judged ? null : x1k >= SCALING * n && x1m >= SCALING * n,
      };
      const rss1 = one?.rss.median ?? Number.NaN;
      const perWorker = (r.rss.median - rss1) / (n - 1);
      const memOk = Number.isFinite(perWorker);
      const memory = {
        target: `Workers: RSS(${n}) <= ${MEMORY_SLACK} x RSS(1) + per-worker cost, and the mirror held once (per-worker cost < the mirror: a copy per worker would cost at least that)`,
        measured:
          `RSS(${n}) ${mib(r.rss.median)} MiB, RSS(1) ${mib(rss1)} MiB, per-worker cost (RSS(N) − RSS(1))/(N − 1) = ${mib(perWorker)} MiB; mirror ${mib(w.mirrorBytes)} MiB` +
          (n === 2 ? ' (with N = 2 the first bound holds by construction: the second is the test)' : ''),
        met: memOk ? r.rss.median <= MEMORY_SLACK * rss1 + perWorker && perWorker < w.mirrorBytes : null,
      };
      return [scaling, memory];
    });
}
