/**
 * `pnpm bench [--quick] [--json] [--only fs,http,memfs,scale,s3,workers] [--workers 1,2|auto] [--rounds N] [--generator auto|wrk|node|autocannon]
 * [--pin] [--out DIR] [--fixture DIR] [--contenders a,b] [--cases a,b] [--from results.json] [--no-save] [--help]`
 *
 * Runs the FS-level and HTTP-level benches, prints a table (or JSON with `--json`), and writes
 * `results.json`, `report.md` and `chart.svg` to `packages/bench/results/<timestamp>/` (or `--out`).
 * A complete full run (not `--quick`, `--only`, `--contenders` or `--cases`) also refreshes `BENCHMARKS.md` and `BENCHMARKS.svg` at the repo root
 * unless `--no-save`. `--from results.json` runs nothing: it renders a saved run again.
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureFixture } from './fixtures.js';
import { runFsBench } from './fs-bench.js';
import { runHttpBench } from './http-bench.js';
import { httpCases, pickCases, type HttpCase } from './http-cases.js';
import { runMemfsCosts } from './memfs-costs.js';
import { runMirrorScale } from './mirror-scale.js';
import { pickGenerator, type GeneratorName } from './load.js';
import { CEILING, contenders, runsIn } from './contenders.js';
import { PIN, PIN_CONNECTIONS, pinUnsupported } from './pin.js';
import { renderMarkdown, renderText, type BenchResult } from './report.js';
import { runS3Costs } from './s3-costs.js';
import { s3ForHttp, type S3Server } from './s3rver.js';
import { ratioChart } from './svg.js';
import { parseWorkerCounts, runWorkersBench } from './workers-bench.js';

const USAGE = `usage: pnpm bench [options]
  --quick                 every case briefly (checks the benchmark works, not speed)
  --json                  print JSON instead of tables
  --only a,b              run only these parts: fs, http, memfs, scale (MemFS.mirror of 10,000 and
                          100,000 files), s3 (the S3 mirror costs), workers (the hotfs command
                          with --workers N on Node 24, unpinned)
  --workers N,M|auto      worker counts of the workers part (default 1,2; 1 always runs;
                          auto: one per available CPU)
  --rounds N              interleaved rounds (default 3, 1 with --quick)
  --generator G           auto|wrk|node|autocannon (default auto: wrk when installed)
  --pin                   each HTTP server on CPU ${PIN.server}, the load generator on CPU ${PIN.generator} (taskset),
                          ${PIN_CONNECTIONS} connections in every throughput run
  --contenders a,b        HTTP contenders to run besides the ceiling
  --cases a,b             HTTP cases whose names start with these (e.g. 404,640 B,rotation)
  --out DIR               where results.json, report.md and chart.svg go
  --fixture DIR           reuse a generated fixture tree
  --from results.json     render a saved run again, run nothing
  --no-save               never refresh BENCHMARKS.md
  --help                  this text`;

// A bad flag is a one-line message and exit 2, like any command line tool; never a stack trace.
function usageError(message: string): never {
  process.stderr.write(`hotfs bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      generator: { type: 'string' },
      pin: { type: 'boolean', default: false },
      out: { type: 'string' },
      fixture: { type: 'string' },
      contenders: { type: 'string' },
      cases: { type: 'string' },
      from: { type: 'string' },
      workers: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  usageError((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const quick = values.quick;
const PARTS = ['fs', 'http', 'memfs', 'scale', 's3', 'workers'];
const onlyList = values.only?.split(',').map((s) => s.trim());
const badPart = onlyList?.find((p) => !PARTS.includes(p));
if (badPart !== undefined) usageError(`--only must be fs, http, memfs, scale, s3 or workers (or a list of them); got ${badPart}`);
const only = values.only;
/** Whether the run includes `part`. */
const runs = (part: string) => onlyList === undefined || onlyList.includes(part);
// wrk runs whole seconds: too slow for --quick, which uses the Node client unless told otherwise.
const genName = (values.generator ?? (quick ? 'node' : 'auto')) as GeneratorName;
if (!['auto', 'wrk', 'node', 'autocannon'].includes(genName)) usageError(`--generator must be auto, wrk, node or autocannon; got ${genName}`);
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
if (!Number.isInteger(rounds) || rounds < 1) usageError(`--rounds must be a positive integer; got ${values.rounds}`);
let workerCounts: number[] = [];
try {
  workerCounts = parseWorkerCounts(values.workers ?? '1,2');
} catch (err) {
  usageError((err as Error).message);
}
const pin = values.pin;
if (pin) {
  if (values.from) usageError('--pin runs servers; --from runs nothing');
  if (!runs('http')) usageError(`--pin pins the HTTP servers; --only ${only} runs none`);
  if (onlyList !== undefined && onlyList.length > 1) usageError(`--pin pins the HTTP servers; --only ${only} runs other parts too`);
  const why = pinUnsupported();
  if (why) usageError(why);
}

// Progress goes to stderr so `--json` leaves stdout to the JSON alone.
const log = (line: string) => process.stderr.write(`${line}\n`);
const budgets = quick
  ? { fsTimeMs: 30, httpWarmupMs: 0, httpDurationMs: 150, httpLatencyMs: 60, maxRequests: 20_000 }
  : { fsTimeMs: 500, httpWarmupMs: 1000, httpDurationMs: 2000, httpLatencyMs: 1000, maxRequests: 2_000_000 };

// The ceiling always runs: without it no ratio means anything.
const wanted = values.contenders?.split(',').map((s) => s.trim());
const unknown = wanted?.filter((n) => !contenders.some((c) => c.name === n));
if (unknown?.length) usageError(`unknown contender(s): ${unknown.join(', ')}; known: ${contenders.map((c) => c.name).join(', ')}`);
const chosen = wanted ? contenders.filter((c) => c.name === CEILING || wanted.includes(c.name)) : contenders;

let cases: HttpCase[] | undefined;
try {
  cases = values.cases === undefined ? undefined : pickCases(values.cases.split(',').map((s) => s.trim()));
} catch (err) {
  usageError((err as Error).message);
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// Pinned, the servers share one core by design; the workers part measures threads spread over all of them.
const runWorkers = !values.from && runs('workers') && !pin;
const root = values.from || !(runs('fs') || runs('http') || runWorkers) ? '' : ensureFixture(values.fixture);
const generator = values.from || !(runs('http') || runWorkers) ? undefined : pickGenerator(genName, pin ? PIN.generator : undefined);

const result: BenchResult = values.from
  ? (JSON.parse(readFileSync(values.from, 'utf8')) as BenchResult)
  : {
      meta: {
        date: new Date().toISOString(),
        // Under `pnpm bench` name that (it builds first); run directly, name the script.
        command: [process.env.npm_lifecycle_event === 'bench' ? 'npx -y pnpm@10.34.9 bench' : 'node packages/bench/dist/cli.js', ...process.argv.slice(2)].join(' '),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        cpus: cpus().length,
        memGiB: Math.round(totalmem() / 2 ** 30),
        loadavg: [loadavg()[0]!, Number.NaN],
        generator: generator?.name ?? null,
        quick,
        rounds,
        fsTimeMs: budgets.fsTimeMs,
        httpDurationMs: budgets.httpDurationMs,
        httpLatencyMs: budgets.httpLatencyMs,
        httpWarmupMs: budgets.httpWarmupMs,
      },
    };

// A part that fails is recorded and named, and the others still run: one broken part (a peer's
// crash, a missing Node 24) must not hide the rest, and the error is in the JSON and the report.
async function part(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const message = String((err as Error)?.message ?? err).slice(0, 500);
    (result.failedParts ??= {})[name] = message;
    log(`${name}: FAILED: ${message}`);
  }
}

let s3: S3Server | undefined;
try {
  if (!values.from && runs('fs')) await part('fs', async () => void (result.fs = await runFsBench({ root, rounds, timeMs: budgets.fsTimeMs, quick, log })));
  if (generator && runs('http')) {
    await part('http', async () => {
      log(`http: load generator ${generator.name}`);
      // The S3 contenders' bucket, filled once per run with the files of the cases they take part in.
      // Its server runs beside the load generator: on the generator's CPU when pinned.
      const runCases = cases ?? httpCases;
      const s3Paths = chosen.filter((c) => c.s3).flatMap((c) => runCases.filter((k) => runsIn(c, k.name)).flatMap((k) => k.paths));
      let env: Record<string, string> = {};
      if (s3Paths.length) {
        const ready = await s3ForHttp(root, s3Paths, pin ? PIN.generator : undefined);
        ({ server: s3, env } = ready);
        result.meta.s3 = ready.info;
        log(`http: s3rver at ${ready.server.endpoint} holds ${ready.info.objects} objects`);
      }
      const { serverCpus, ...http } = await runHttpBench({
        root,
        generator,
        rounds,
        warmupMs: budgets.httpWarmupMs,
        durationMs: budgets.httpDurationMs,
        latencyMs: budgets.httpLatencyMs,
        maxRequests: budgets.maxRequests,
        contenders: chosen,
        ...(cases ? { cases } : {}),
        pin,
        env,
        log,
      });
      result.http = http;
      if (pin) result.meta.pin = { serverCpus: serverCpus ?? [], generatorCpus: generator.cpus ?? null, connections: PIN_CONNECTIONS };
    });
  }
  if (!values.from && runs('memfs')) await part('memfs', async () => void (result.memfs = await runMemfsCosts({ quick, log })));
  if (!values.from && runs('scale')) await part('scale', async () => void (result.scale = await runMirrorScale({ quick, rounds, log })));
  if (!values.from && runs('s3')) await part('s3', async () => void (result.s3 = await runS3Costs({ quick, log })));
  if (pin && runs('workers')) log('workers: not run with --pin (its threads spread over every core)');
  if (generator && runWorkers) {
    await part('workers', async () => {
      result.workers = await runWorkersBench({
        root,
        generator,
        counts: workerCounts,
        rounds,
        warmupMs: budgets.httpWarmupMs,
        durationMs: budgets.httpDurationMs,
        maxRequests: budgets.maxRequests,
        log,
      });
    });
  }
} finally {
  await generator?.close();
  await s3?.stop();
}

if (!values.from) result.meta.loadavg[1] = loadavg()[0]!;
const stamp = result.meta.date.replace(/[:.]/g, '-');
const outDir = values.out ?? join(repoRoot, 'packages/bench/results', stamp);
mkdirSync(outDir, { recursive: true });
const chart = result.http ? ratioChart(result.http.cases, result.http.contenders) : undefined;
writeFileSync(join(outDir, 'results.json'), JSON.stringify(result, null, 2));
writeFileSync(join(outDir, 'report.md'), renderMarkdown(result, chart ? 'chart.svg' : undefined));
if (chart) writeFileSync(join(outDir, 'chart.svg'), chart);
const complete = !result.meta.quick && !only && !wanted && !cases;
if (complete && result.failedParts) log('BENCHMARKS.md left as it was: a part failed');
if (complete && !values['no-save'] && !result.failedParts) {
  writeFileSync(join(repoRoot, 'BENCHMARKS.md'), renderMarkdown(result, chart ? 'BENCHMARKS.svg' : undefined));
  if (chart) writeFileSync(join(repoRoot, 'BENCHMARKS.svg'), chart);
}
log(`results written to ${outDir}`);
// JSON.stringify turns NaN into null: consumers see "no value", never a bogus number.
process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${renderText(result)}\n`);
// Everything is written; the exit status still says that a part failed.
if (result.failedParts) process.exitCode = 1;
