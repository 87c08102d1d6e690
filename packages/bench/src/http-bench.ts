/**
 * HTTP-level benchmark: each contender in its own process on loopback, loaded over keep-alive
 * connections by a generator in another process, one contender at a time, case by case, in
 * interleaved rounds. A sample gets a freshly started server process; for large bodies every
 * contender's server stays up through the case and the throughput alternates between them.
 * @packageDocumentation
 */
import { CEILING, contenders as defaultContenders, runsIn, startServer, type Contender, type ServerProcess } from './contenders.js';
import { LARGE, httpCases, probe, type HttpCase } from './http-cases.js';
import type { LoadGenerator, LoadJob, LoadResult } from './load.js';
import { PIN, PIN_CONNECTIONS, allowedCpus } from './pin.js';
import { ratio, spread, type Spread } from './stats.js';

/** One contender on one case, over all rounds. */
export interface HttpMeasure {
  rps: Spread;
  /** Bytes per second received, headers included. */
  bytesPerSec: Spread;
  /** Latency at one connection, in ms. */
  p50Ms: Spread;
  p99Ms: Spread;
  /** Server CPU time per request, in microseconds. */
  cpuUsPerReq: Spread;
  /**
   * Share of one core the server used during the throughput run (CPU time over wall time). Near 1
   * means the server was the bottleneck, not the load generator.
   */
  serverBusy: Spread;
  /** Server CPU time per GiB of body, in ms (bodies of 1 MiB and more). */
  cpuMsPerGiB?: Spread;
  /** Status the server answered a single probe with (last round). */
  status: number | null;
  /** Body bytes of that probe's answer (on the wire, so encoded when the server encoded it). */
  wireBytes?: number;
  /** Its Content-Encoding, when it had one. */
  encoding?: string;
  /** False when the status differs from the case's expectation: the numbers then measure something else. */
  statusOk: boolean;
  socketErrors: number;
  /** 4xx/5xx answers under load, beyond the case's expected status. */
  unexpectedStatus: number;
  /** Why a round had no numbers: the process crashed, or the run failed. */
  crashed?: string;
  error?: string;
}

/** One HTTP case's results. */
export interface HttpCaseResult {
  name: string;
  expectStatus: number;
  results: Record<string, HttpMeasure>;
  /** Each contender's median req/s over the ceiling's. */
  ratioToCeiling: Record<string, number>;
  /** `matrix[a][b]`: contender a's median req/s over b's. */
  matrix: Record<string, Record<string, number>>;
}

/** Options of {@link runHttpBench}. */
export interface HttpBenchOptions {
  root: string;
  generator: LoadGenerator;
  rounds: number;
  warmupMs: number;
  durationMs: number;
  latencyMs: number;
  maxRequests: number;
  contenders?: Contender[];
  /** The cases to run (default all of {@link httpCases}). */
  cases?: HttpCase[];
  /**
   * Pinned mode: every server on CPU {@link PIN}.server (checked in `/proc` at each start; a server
   * allowed elsewhere fails its run), and {@link PIN_CONNECTIONS} connections in every throughput run.
   * The generator is pinned by whoever made it (`pickGenerator(name, PIN.generator)`).
   */
  pin?: boolean;
  /** Added to the environment of every contender process (where the S3 contenders find their bucket). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

interface Sample {
  rps: number;
  bps: number;
  p50: number;
  p99: number;
  cpu: number;
  busy: number;
  cpuGiB: number;
}

/** What {@link runHttpBench} returns; `serverCpus` (pinned mode only) lists every distinct CPU list its servers' threads were allowed. */
export interface HttpBenchResult {
  contenders: string[];
  cases: HttpCaseResult[];
  serverCpus?: string[];
}

/** Runs the HTTP bench. */
export async function runHttpBench(opts: HttpBenchOptions): Promise<HttpBenchResult> {
  const list = opts.contenders ?? defaultContenders;
  const serverCpus = new Set<string>();
  const runCases = opts.cases ?? httpCases;
  const samples = new Map<string, Sample[]>();
  const info = new Map<string, CaseInfo>();
  const key = (c: string, k: string) => `${c}\u0000${k}`;
  for (let round = 0; round < opts.rounds; round++) {
    // Every contender runs one case before any runs the next, so the numbers a ratio compares are
    // taken seconds apart, not minutes: a shared machine's load drifts over minutes.
    const t0 = performance.now();
    for (const [ci, c] of runCases.entries()) {
      // Rotate who goes first, per round and per case, so nobody always meets a cold or hot machine.
      const here = list.filter((ct) => runsIn(ct, c.name));
      const order = here.map((_, i) => here[(i + round + ci) % here.length]!);
      const runs = order.map((contender): Run => {
        const k = key(contender.name, c.name);
        const rec = info.get(k) ?? { status: null, socketErrors: 0, unexpectedStatus: 0 };
        info.set(k, rec);
        return { contender, rec, tally: { requests: 0, bytes: 0, seconds: 0, cpuMicros: 0 }, failed: false };
      });
      if (c.windows) await measureInterleaved(opts, runs, c, c.windows, serverCpus);
      else await measureOneByOne(opts, runs, c, serverCpus);
      for (const run of runs) {
        const k = key(run.contender.name, c.name);
        if (run.sample) (samples.get(k) ?? samples.set(k, []).get(k)!).push(run.sample);
      }
    }
    opts.log?.(`http round ${round + 1}/${opts.rounds} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const cases = runCases.map((c): HttpCaseResult => {
    const results: Record<string, HttpMeasure> = {};
    const here = list.filter((ct) => runsIn(ct, c.name));
    for (const ct of here) {
      const s = samples.get(key(ct.name, c.name)) ?? [];
      const rec = info.get(key(ct.name, c.name))!;
      const m: HttpMeasure = {
        rps: spread(s.map((x) => x.rps)),
        bytesPerSec: spread(s.map((x) => x.bps)),
        p50Ms: spread(s.map((x) => x.p50)),
        p99Ms: spread(s.map((x) => x.p99)),
        cpuUsPerReq: spread(s.map((x) => x.cpu)),
        serverBusy: spread(s.map((x) => x.busy)),
        ...rec,
        statusOk: rec.status === c.expect,
      };
      if (c.bodyBytes >= LARGE) m.cpuMsPerGiB = spread(s.map((x) => x.cpuGiB));
      results[ct.name] = m;
    }
    const rps = (n: string) => results[n]?.rps.median;
    const matrix = Object.fromEntries(here.map((a) => [a.name, Object.fromEntries(here.map((b) => [b.name, ratio(rps(a.name), rps(b.name))]))]));
    const ratioToCeiling = Object.fromEntries(here.map((a) => [a.name, ratio(rps(a.name), rps(CEILING))]));
    return { name: c.name, expectStatus: c.expect, results, ratioToCeiling, matrix };
  });
  return { contenders: list.map((c) => c.name), cases, ...(opts.pin ? { serverCpus: [...serverCpus].sort() } : {}) };
}

type CaseInfo = Pick<HttpMeasure, 'status' | 'wireBytes' | 'encoding' | 'socketErrors' | 'unexpectedStatus' | 'crashed' | 'error'>;

/** One contender's server during one sample of one case. */
interface Run {
  contender: Contender;
  rec: CaseInfo;
  server?: ServerProcess;
  /** The throughput load, set once the server answered the case's probe. */
  job?: Omit<LoadJob, 'durationMs'>;
  /** Throughput windows so far, summed. */
  tally: { requests: number; bytes: number; seconds: number; cpuMicros: number };
  sample?: Sample;
  failed: boolean;
}

/**
 * Each contender in turn, in a server process started for its sample and stopped after it. A process
 * that sat idle while the others ran can come back slower for the rest of its life: measured here,
 * after about a minute idle, Node 20 (any server, the ceiling included) starts spending ~10% of its
 * samples in a V8 runtime call inside `process.nextTick`, so which processes it hit would decide the
 * ratios.
 */
async function measureOneByOne(opts: HttpBenchOptions, runs: Run[], c: HttpCase, cpus: Set<string>): Promise<void> {
  for (const run of runs) {
    try {
      await step(opts, run, c, () => start(opts, run, c, cpus));
      await step(opts, run, c, () => window(opts, run, c, opts.durationMs * (c.durationScale ?? 1)));
      await step(opts, run, c, () => finish(opts, run, c));
    } finally {
      await run.server?.stop();
    }
  }
}

/**
 * Every contender's server up at once for the case, and the throughput taken in `windows` slices that
 * alternate between them. For large bodies the host has slow periods of tens of seconds in which
 * every server, the ceiling included, spends up to 3x the CPU per request; one by one, such a period
 * could fall on one contender's whole sample and not on another's. Alternating slices share it out.
 * A server now sits idle for the others' slices (about 10 s with seven contenders), well under the
 * minute after which the idle slowdown above was seen, and that slowdown costs per write, which for
 * a body of 1 MiB and up is a few percent of the request at most.
 */
async function measureInterleaved(opts: HttpBenchOptions, runs: Run[], c: HttpCase, windows: number, cpus: Set<string>): Promise<void> {
  const sliceMs = (opts.durationMs * (c.durationScale ?? 1)) / windows;
  try {
    for (const run of runs) await step(opts, run, c, () => start(opts, run, c, cpus));
    for (let w = 0; w < windows; w++) {
      for (let i = 0; i < runs.length; i++) {
        const run = runs[(i + w) % runs.length]!;
        await step(opts, run, c, () => window(opts, run, c, sliceMs));
      }
    }
    for (const run of runs) await step(opts, run, c, () => finish(opts, run, c));
  } finally {
    await Promise.all(
      runs.map(async (run) => {
        await run.server?.stop();
      }),
    );
  }
}

/** Runs one stage of a sample unless an earlier one failed; a failure is recorded and ends the sample. */
async function step(opts: HttpBenchOptions, run: Run, c: HttpCase, stage: () => Promise<void>): Promise<void> {
  if (run.failed) return;
  try {
    await stage();
    if (run.server?.exit) throw new Error('exit');
  } catch (err) {
    run.failed = true;
    // Give the process a moment to be reaped, so a crash is told apart from a failed run.
    await new Promise((r) => setTimeout(r, 200));
    const { rec, server } = run;
    if (server?.exit) rec.crashed = `${server.exit} during this case: ${crashLine(server.stderrTail())}`;
    else rec.error = String((err as Error).message ?? err).slice(0, 300);
    opts.log?.(`  ${run.contender.name} / ${c.name}: ${rec.crashed ?? rec.error}`);
    // At once, not at the end of the case: a stuck server must not load the host under the others' slices.
    await run.server?.stop();
  }
}

/**
 * Starts the server (pinned, and checked to be, in pinned mode: its CPU list goes into `cpus`),
 * checks what it answers the case with, and warms it up.
 */
async function start(opts: HttpBenchOptions, run: Run, c: HttpCase, cpus: Set<string>): Promise<void> {
  const server = (run.server = await startServer(run.contender, opts.root, undefined, opts.pin ? PIN.server : undefined, opts.env));
  const first = await probe(server.port, c.paths[0]!, {});
  if (opts.pin) {
    // Read after the probe, over every thread the server has started by then: each one inherits the
    // mask taskset set at exec, so any thread allowed elsewhere means the pinning failed.
    const allowed = allowedCpus(server.pid) ?? 'none (process gone)';
    cpus.add(allowed);
    if (allowed !== PIN.server) throw new Error(`pinned to CPU ${PIN.server}, but its threads may run on CPUs ${allowed}`);
  }
  const headers = c.headers?.(first) ?? {};
  const answer = c.headers ? await probe(server.port, c.paths[0]!, headers) : first;
  run.rec.status = answer.status;
  run.rec.wireBytes = answer.bodyBytes;
  if (answer.encoding !== undefined) run.rec.encoding = answer.encoding;
  const connections = opts.pin ? PIN_CONNECTIONS : c.bodyBytes >= LARGE ? 4 : 16;
  run.job = { port: server.port, paths: c.paths, headers, maxRequests: opts.maxRequests, connections };
  if (opts.warmupMs > 0) await opts.generator.run({ ...run.job, durationMs: opts.warmupMs });
}

/** One throughput window with the server's CPU time over it, added to the run's tally. */
async function window(opts: HttpBenchOptions, run: Run, c: HttpCase, durationMs: number): Promise<void> {
  const server = run.server!;
  const cpu0 = await server.cpuMicros();
  const load = await opts.generator.run({ ...run.job!, durationMs });
  const cpu1 = await server.cpuMicros();
  const t = run.tally;
  t.requests += load.requests;
  t.bytes += load.bytes;
  t.seconds += load.seconds;
  t.cpuMicros += cpu1 - cpu0;
  count(run, c, load);
}

/** Latency at one connection, then the sample from the throughput tally. */
async function finish(opts: HttpBenchOptions, run: Run, c: HttpCase): Promise<void> {
  const lat = await opts.generator.run({ ...run.job!, connections: 1, durationMs: opts.latencyMs });
  count(run, c, lat);
  const { requests, bytes, seconds, cpuMicros } = run.tally;
  if (requests === 0 || run.server?.exit) return;
  const perReq = cpuMicros / requests;
  run.sample = {
    rps: requests / seconds,
    bps: bytes / seconds,
    p50: lat.p50Ms,
    p99: lat.p99Ms,
    cpu: perReq,
    busy: seconds > 0 ? cpuMicros / 1e6 / seconds : Number.NaN,
    cpuGiB: c.bodyBytes > 0 ? (perReq / 1000) * (2 ** 30 / c.bodyBytes) : Number.NaN,
  };
}

/** Socket errors, and error answers where the case expects none (a 404 case expects them all). */
function count(run: Run, c: HttpCase, load: LoadResult): void {
  run.rec.socketErrors += load.socketErrors;
  if (c.expect < 400) run.rec.unexpectedStatus += load.non2xx3xx;
}

/** The line of a crash's stderr that says what went wrong (the error, not the stack under it). */
function crashLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(\w*Error|Assertion|FATAL|Uncaught)\b|ERR_/.test(l)) ?? lines.at(-1) ?? 'no output';
}
