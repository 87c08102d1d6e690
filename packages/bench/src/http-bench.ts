/**
 * HTTP-level benchmark: each contender in its own process on loopback, loaded over keep-alive
 * connections by a generator in another process, one contender at a time, case by case, in
 * interleaved rounds; every sample in a freshly started server process.
 * @packageDocumentation
 */
import { CEILING, contenders as defaultContenders, startServer, type Contender, type ServerProcess } from './contenders.js';
import { LARGE, httpCases, probe, type HttpCase } from './http-cases.js';
import type { LoadGenerator, LoadResult } from './load.js';
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

/** Runs the HTTP bench. */
export async function runHttpBench(opts: HttpBenchOptions): Promise<{ contenders: string[]; cases: HttpCaseResult[] }> {
  const list = opts.contenders ?? defaultContenders;
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
      const order = list.map((_, i) => list[(i + round + ci) % list.length]!);
      for (const contender of order) {
        const k = key(contender.name, c.name);
        const rec = info.get(k) ?? { status: null, socketErrors: 0, unexpectedStatus: 0 };
        info.set(k, rec);
        const s = await measureInFreshProcess(opts, contender, c, rec);
        if (s) (samples.get(k) ?? samples.set(k, []).get(k)!).push(s);
      }
    }
    opts.log?.(`http round ${round + 1}/${opts.rounds} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const cases = runCases.map((c): HttpCaseResult => {
    const results: Record<string, HttpMeasure> = {};
    for (const ct of list) {
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
    const matrix = Object.fromEntries(list.map((a) => [a.name, Object.fromEntries(list.map((b) => [b.name, ratio(rps(a.name), rps(b.name))]))]));
    const ratioToCeiling = Object.fromEntries(list.map((a) => [a.name, ratio(rps(a.name), rps(CEILING))]));
    return { name: c.name, expectStatus: c.expect, results, ratioToCeiling, matrix };
  });
  return { contenders: list.map((c) => c.name), cases };
}

type CaseInfo = Pick<HttpMeasure, 'status' | 'socketErrors' | 'unexpectedStatus' | 'crashed' | 'error'>;

/**
 * One sample in a server process started for it and stopped after it. A process that sat idle while
 * the others ran can come back slower for the rest of its life: measured here, after about a minute
 * idle, Node 20 (any server, the ceiling included) starts spending ~10% of its samples in a V8 runtime
 * call inside `process.nextTick`, so which processes it hit would decide the ratios.
 */
async function measureInFreshProcess(opts: HttpBenchOptions, contender: Contender, c: HttpCase, rec: CaseInfo): Promise<Sample | undefined> {
  let server: ServerProcess | undefined;
  try {
    server = await startServer(contender, opts.root);
    return await measureCase(opts, server, c, rec);
  } catch (err) {
    // Give the process a moment to be reaped, so a crash is told apart from a failed run.
    await new Promise((r) => setTimeout(r, 200));
    if (server?.exit) rec.crashed = `${server.exit} during this case: ${crashLine(server.stderrTail())}`;
    else rec.error = String((err as Error).message ?? err).slice(0, 300);
    opts.log?.(`  ${contender.name} / ${c.name}: ${rec.crashed ?? rec.error}`);
    return undefined;
  } finally {
    await server?.stop();
  }
}

/** Warm-up, throughput with server CPU, then latency at one connection: one sample of one case. */
async function measureCase(opts: HttpBenchOptions, server: ServerProcess, c: HttpCase, rec: CaseInfo): Promise<Sample | undefined> {
  const first = await probe(server.port, c.paths[0]!, {});
  const headers = c.headers?.(first) ?? {};
  rec.status = c.headers ? (await probe(server.port, c.paths[0]!, headers)).status : first.status;
  const job = { port: server.port, paths: c.paths, headers, maxRequests: opts.maxRequests, connections: c.bodyBytes >= LARGE ? 4 : 16 };
  if (opts.warmupMs > 0) await opts.generator.run({ ...job, durationMs: opts.warmupMs });
  const cpu0 = await server.cpuMicros();
  const load = await opts.generator.run({ ...job, durationMs: opts.durationMs * (c.durationScale ?? 1) });
  const cpu1 = await server.cpuMicros();
  const lat = await opts.generator.run({ ...job, connections: 1, durationMs: opts.latencyMs });
  if (server.exit) throw new Error('exit');
  rec.socketErrors += load.socketErrors + lat.socketErrors;
  if (c.expect < 400) rec.unexpectedStatus += load.non2xx3xx + lat.non2xx3xx;
  return load.requests > 0 ? toSample(load, lat, cpu1 - cpu0, c.bodyBytes) : undefined;
}

function toSample(load: LoadResult, lat: LoadResult, cpuMicros: number, bodyBytes: number): Sample {
  const perReq = load.requests > 0 ? cpuMicros / load.requests : Number.NaN;
  return {
    rps: load.requests / load.seconds,
    bps: load.bytes / load.seconds,
    p50: lat.p50Ms,
    p99: lat.p99Ms,
    cpu: perReq,
    busy: load.seconds > 0 ? cpuMicros / 1e6 / load.seconds : Number.NaN,
    cpuGiB: bodyBytes > 0 ? (perReq / 1000) * (2 ** 30 / bodyBytes) : Number.NaN,
  };
}

/** The line of a crash's stderr that says what went wrong (the error, not the stack under it). */
function crashLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(\w*Error|Assertion|FATAL|Uncaught)\b|ERR_/.test(l)) ?? lines.at(-1) ?? 'no output';
}
