/**
 * Turns results into a terminal table and a markdown report. The same rows feed both, so what a
 * developer reads in the terminal is what BENCHMARKS.md says.
 * @packageDocumentation
 */
import type { FsCaseResult } from './fs-bench.js';
import type { HttpCaseResult, HttpMeasure } from './http-bench.js';
import { httpCases } from './http-cases.js';
import { memfsCostsTable, type MemfsCosts } from './memfs-costs.js';
import { mirrorScaleTable, type MirrorScale } from './mirror-scale.js';
import { PIN, type PinInfo } from './pin.js';
import { s3CostsTable, type S3Costs } from './s3-costs.js';
import type { S3HttpInfo } from './s3rver.js';
import { geomean, ratio, withSpread } from './stats.js';
import { checkTargets } from './targets.js';
import { workersTable, type WorkersResult } from './workers-bench.js';

/** How, where and when a run was made. */
export interface RunMeta {
  date: string;
  command: string;
  node: string;
  platform: string;
  cpuModel: string;
  cpus: number;
  memGiB: number;
  /** 1-minute load average at the start and the end: a shared machine's noise, in one number. */
  loadavg: [number, number];
  generator: string | null;
  quick: boolean;
  rounds: number;
  /** Per-run budgets, in ms. */
  fsTimeMs: number;
  httpDurationMs: number;
  httpLatencyMs: number;
  httpWarmupMs: number;
  /** Set in the pinned mode (`--pin`): the CPUs servers and generator were allowed, as `/proc` showed them. */
  pin?: PinInfo;
  /** Set when S3 contenders ran: where their s3rver ran and what its bucket held. */
  s3?: S3HttpInfo;
}

/** Everything a run produced: what `--json` prints. */
export interface BenchResult {
  meta: RunMeta;
  fs?: { backends: string[]; cases: FsCaseResult[] };
  http?: { contenders: string[]; cases: HttpCaseResult[] };
  memfs?: MemfsCosts;
  scale?: MirrorScale;
  s3?: S3Costs;
  workers?: WorkersResult;
  /** Parts that failed, by name (`fs`, `http`, `memfs`, `scale`, `s3`, `workers`), with the error: the others still ran. */
  failedParts?: Record<string, string>;
}

/** A section of the report: `lead` says what it measures (before the table), `note` what to make of it (after). */
type Table = { title: string; lead?: string; head: string[]; rows: string[][]; note?: string };

/** Three significant digits, never in exponent notation (999.7 would print as 1.00e+3). */
function p3(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/** Number with a k/M/G suffix, three significant digits. */
function si(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return 'n/a';
  const a = Math.abs(n);
  const [d, s] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${p3(n / d)}${s}${unit}`;
}

/** Bytes per second in binary units. */
function bytesRate(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${p3(n)} ${units[i]}`;
}

function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** A contender's cell: the value, or why there is none, or a mark when its status was wrong. */
function cell(m: HttpMeasure | undefined, expect: number, value: (m: HttpMeasure) => string): string {
  if (!m) return '';
  if (m.crashed && !Number.isFinite(m.rps.median)) return 'CRASHED';
  if (m.error && !Number.isFinite(m.rps.median)) return 'failed';
  let v = value(m);
  if (!m.statusOk) v += ` [${m.status ?? '?'}≠${expect}]`;
  if (m.crashed) v += ' [crashed once]';
  return v;
}

function fsTables(fs: NonNullable<BenchResult['fs']>): Table[] {
  // Speed-ups read as "x over DiskFS" (the disk is what the others are meant to beat), whatever the run order.
  const base = fs.backends.includes('DiskFS') ? 'DiskFS' : fs.backends[0]!;
  const others = fs.backends.filter((b) => b !== base);
  const ops = (c: FsCaseResult, b: string) => c.results[b]?.opsPerSec.median;
  const speedup = (n: number) => (!Number.isFinite(n) ? 'n/a' : n >= 100 ? `${n.toFixed(0)}x` : `${n.toPrecision(3)}x`);
  return [
    {
      title: 'FileSystem level (tinybench): operations per second, median (min–max) over rounds',
      head: ['case', ...fs.backends.flatMap((b) => [`${b} ops/s`, `${b} p50`]), ...others.map((b) => `${b}/${base}`)],
      rows: fs.cases.map((c) => [
        c.name,
        ...fs.backends.flatMap((b) => {
          const r = c.results[b]!;
          if (r.error) return ['error', r.error.slice(0, 40)];
          return [withSpread(r.opsPerSec, (n) => si(n)), `${si(r.p50Us.median)} µs`];
        }),
        ...others.map((b) => speedup(ratio(ops(c, b), ops(c, base)))),
      ]),
    },
  ];
}

function httpTables(http: NonNullable<BenchResult['http']>): Table[] {
  const names = http.contenders;
  const per = (title: string, value: (m: HttpMeasure, c: HttpCaseResult, name: string) => string, note?: string): Table => ({
    title,
    head: ['case', ...names],
    rows: http.cases.map((c) => [c.name, ...names.map((n) => cell(c.results[n], c.expectStatus, (m) => value(m, c, n)))]),
    ...(note ? { note } : {}),
  });
  const geo = (a: string, b: string) => geomean(http.cases.map((c) => c.matrix[a]?.[b] ?? Number.NaN));
  return [
    per('Requests per second (keep-alive), median (min–max) over rounds', (m) => withSpread(m.rps, (n) => si(n))),
    per('Ratio to the ceiling (median req/s over the ceiling’s)', (_m, c, n) => fixed(c.ratioToCeiling[n]!)),
    per('CPU efficiency relative to the ceiling: ceiling’s server CPU per request over the contender’s (steadier than req/s on a shared machine)', (m, c) =>
      fixed((c.results.ceiling?.cpuUsPerReq.median ?? Number.NaN) / m.cpuUsPerReq.median),
    ),
    per('Bytes per second received (headers included), median', (m) => bytesRate(m.bytesPerSec.median)),
    {
      title: 'Body bytes on the wire, and the Content-Encoding answered (cases where some server encoded)',
      head: ['case', ...names],
      rows: http.cases
        .filter((c) => names.some((n) => c.results[n]?.encoding !== undefined))
        .map((c) => [c.name, ...names.map((n) => cell(c.results[n], c.expectStatus, (m) => `${m.wireBytes ?? '?'} B ${m.encoding ?? 'identity'}`))]),
    },
    per('Latency at 1 connection: p50 / p99 (ms), medians over rounds', (m) => `${fixed(m.p50Ms.median, 3)} / ${fixed(m.p99Ms.median, 3)}`),
    per(
      'Server CPU: µs per request (ms per GiB of body from 1 MiB up), median',
      (m) => `${fixed(m.cpuUsPerReq.median, 1)} µs` + (m.cpuMsPerGiB ? ` (${fixed(m.cpuMsPerGiB.median, 0)} ms/GiB)` : ''),
    ),
    per('Server busy: share of one core the server used during the throughput run (near 1.00: the server, not the generator, was the limit)', (m) => fixed(m.serverBusy.median)),
    {
      title: 'Ratio matrix: row over column, geometric mean of req/s ratios over all cases both completed',
      head: ['', ...names],
      rows: names.map((a) => [a, ...names.map((b) => fixed(geo(a, b)))]),
      note: '[s≠e] marks a server that answered status s where e is correct: its numbers measure different work. CRASHED: the process exited during the case.',
    },
  ];
}

function targetsTable(r: BenchResult): Table {
  return {
    title: 'Targets',
    head: ['target', 'measured', 'met'],
    rows: checkTargets(r).map((t) => [t.target, t.measured, t.met === null ? 'pending' : t.met ? 'yes' : 'NO']),
  };
}

function tablesOf(r: BenchResult): Table[] {
  return [
    ...(r.fs ? fsTables(r.fs) : []),
    ...(r.http ? httpTables(r.http) : []),
    ...(r.memfs ? [memfsCostsTable(r.memfs)] : []),
    ...(r.scale ? [mirrorScaleTable(r.scale)] : []),
    ...(r.s3 ? [s3CostsTable(r.s3)] : []),
    ...(r.workers ? [workersTable(r.workers)] : []),
    targetsTable(r),
  ];
}

/**
 * The check that the load generator was not the bottleneck: the ceiling should out-serve every
 * contender in every case. Names the cases where it did not (noise, or a contender as cheap as it).
 */
export function generatorCheck(r: BenchResult): string | undefined {
  if (!r.http) return undefined;
  const beaten = r.http.cases.flatMap((c) => {
    const top = Object.entries(c.ratioToCeiling).filter(([n, v]) => n !== 'ceiling' && v > 1 && c.results[n]?.statusOk);
    return top.map(([n, v]) => `${c.name}: ${n} ${v.toFixed(2)}x`);
  });
  const n = r.http.cases.length;
  // A ceiling below ~80% of a core was starved of requests: the generator or a noisy machine, not Node, limited it.
  const starved = r.http.cases.filter((c) => (c.results.ceiling?.serverBusy.median ?? 1) < 0.8).map((c) => c.name);
  const starvedNote = starved.length
    ? `; the ceiling used < 0.8 of a core in ${starved.length} of ${n} cases (${starved.join(', ')}): it was starved, so those ratios flatter the contenders`
    : '';
  return (
    (beaten.length === 0
      ? `generator check: the ceiling out-served every contender in all ${n} cases (so ${r.meta.generator} was not what limited them)`
      : `generator check: the ceiling out-served every contender in ${n - new Set(beaten.map((b) => b.split(':')[0])).size} of ${n} cases; not in ${beaten.join('; ')}`) +
    starvedNote
  );
}

/** How far the ceiling's own CPU per request may move across rounds before the host is what moved. */
const HOST_NOISE = 1.5;

/**
 * The check that the host held still. The ceiling does the same work in every round, so when its
 * own server CPU per request moves by more than {@link HOST_NOISE}x across rounds, the machine's
 * speed changed under the run (a shared host's slow periods last tens of seconds) and that case's
 * ratios are only as certain as their min–max columns. One round cannot tell, so it says nothing.
 */
export function hostCheck(r: BenchResult): string | undefined {
  if (!r.http || !(r.meta.rounds >= 2)) return undefined;
  const noisy = r.http.cases.flatMap((c) => {
    const cpu = c.results.ceiling?.cpuUsPerReq;
    const swing = cpu ? cpu.max / cpu.min : Number.NaN;
    return swing > HOST_NOISE ? [`${c.name} ${swing.toFixed(1)}x`] : [];
  });
  const n = r.http.cases.length;
  return noisy.length === 0
    ? `host check: the ceiling's CPU per request stayed within ${HOST_NOISE}x across rounds in all ${n} cases`
    : `host check: the ceiling's own CPU per request moved more than ${HOST_NOISE}x across rounds in ${noisy.length} of ${n} cases (${noisy.join(', ')}): the host's speed changed under them, so read their ratios with the min–max columns`;
}

/** Share of the pinned core below which a server did not have the core to itself. */
const PIN_BUSY = 0.9;

/**
 * The check that a pinned run measured what it means to. Pinned, a server should keep its core busy;
 * when other processes run on that core, each server gets the share the scheduler gives it, and a
 * server with more busy threads (a thread-pool reader like sirv) gets more: req/s then measures that
 * share, not the server's cost. Names the servers below {@link PIN_BUSY} of the core, per case.
 */
export function pinCheck(r: BenchResult): string | undefined {
  if (!r.http || !r.meta.pin) return undefined;
  const shared = r.http.cases.flatMap((c) => {
    const low = Object.entries(c.results).filter(([, m]) => m.serverBusy.median < PIN_BUSY);
    return low.length ? [`${c.name} (${low.map(([n, m]) => `${n} ${m.serverBusy.median.toFixed(2)}`).join(', ')})`] : [];
  });
  const n = r.http.cases.length;
  return shared.length === 0
    ? `pin check: every server kept its core at least ${PIN_BUSY} busy in all ${n} cases`
    : `pin check: servers used less than ${PIN_BUSY} of their core in ${shared.length} of ${n} cases: ${shared.join('; ')}. Other processes shared the core, so there req/s is the share the scheduler gave each server (more to one with more busy threads), not its cost: compare CPU per request`;
}

/** The checks that say how far a run's ratios can be trusted, one line each. */
function checkLines(r: BenchResult): string[] {
  return [generatorCheck(r), hostCheck(r), pinCheck(r)].filter((l) => l !== undefined);
}

/** Problems worth a line of their own: crashes, wrong statuses, errors under load. */
export function incidents(r: BenchResult): string[] {
  const out: string[] = Object.entries(r.failedParts ?? {}).map(([part, error]) => `part ${part} failed: ${error}`);
  for (const c of r.http?.cases ?? []) {
    for (const [n, m] of Object.entries(c.results)) {
      if (m.crashed) out.push(`${n} / ${c.name}: ${m.crashed}`);
      if (m.error) out.push(`${n} / ${c.name}: run failed: ${m.error}`);
      if (m.status !== null && !m.statusOk) out.push(`${n} / ${c.name}: answered ${m.status}, expected ${c.expectStatus}`);
      if (m.socketErrors > 0) out.push(`${n} / ${c.name}: ${m.socketErrors} socket errors under load`);
      if (m.unexpectedStatus > 0) out.push(`${n} / ${c.name}: ${m.unexpectedStatus} 4xx/5xx answers under load`);
    }
  }
  for (const c of r.fs?.cases ?? []) for (const [n, m] of Object.entries(c.results)) if (m.error) out.push(`${n} / ${c.name}: ${m.error}`);
  return out;
}

function metaLines(m: RunMeta): string[] {
  return [
    `date: ${m.date}`,
    `command: ${m.command}`,
    `machine: ${m.cpus} x ${m.cpuModel}, ${m.memGiB} GiB, ${m.platform}; Node ${m.node}${m.loadavg ? `; load average ${m.loadavg[0].toFixed(2)} at start, ${(m.loadavg[1] ?? Number.NaN).toFixed(2)} at end` : ''}`,
    `load generator: ${m.generator ?? 'none'}; ${m.rounds} interleaved round(s)${m.quick ? ' (QUICK mode: numbers are a smoke test only)' : ''}`,
    modeLine(m),
    ...(m.s3 ? [s3Line(m.s3)] : []),
    `budgets: fs ${m.fsTimeMs} ms per task; http warm-up ${m.httpWarmupMs} ms, throughput ${m.httpDurationMs} ms (${longerWindows()}) at ${m.pin ? m.pin.connections : '16'} connections${m.pin ? '' : ' (4 from 1 MiB up)'}, latency ${m.httpLatencyMs} ms at 1 connection`,
  ];
}

// Pinned or not decides what the HTTP numbers mean: CPU per request on one core, or with a second core to borrow.
function modeLine(m: RunMeta): string {
  const p = m.pin;
  if (!p) return 'mode: unpinned (servers and load generator scheduled on any core)';
  const servers = p.serverCpus.length ? p.serverCpus.join(' / ') : 'never read';
  return `mode: PINNED (--pin): every HTTP server on CPU ${PIN.server} (its threads' CPUs as /proc showed them: ${servers}), the load generator on CPU ${PIN.generator} (/proc: ${p.generatorCpus ?? 'never read'}), ${p.connections} keep-alive connections in every throughput run`;
}

// What the S3 contenders' server shared: it answers every request of hotfs+S3FS, so its CPU is part of that contender's cost.
function s3Line(s: S3HttpInfo): string {
  const where = s.cpu === null ? 'unpinned, sharing both cores with the servers and the load generator' : `pinned to CPU ${s.cpu}, sharing it with the load generator`;
  return `S3 contenders: s3rver 3.7.1 in its own process (${where}); bucket uploaded once per run: ${s.objects} objects, ${s.bytes} bytes; the server's CPU is not in a contender's CPU per request`;
}

// The cases whose throughput runs longer than the budget, and those taken in alternating slices.
function longerWindows(): string {
  const scales = [...new Set(httpCases.map((c) => c.durationScale).filter((x) => x !== undefined))];
  const longer = scales.map(
    (x) =>
      `x${x}: ${httpCases
        .filter((c) => c.durationScale === x)
        .map((c) => c.name)
        .join(', ')}`,
  );
  const sliced = httpCases.filter((c) => c.windows).map((c) => `${c.name} ${c.windows}`);
  return [...longer, `slices alternating between contenders: ${sliced.join(', ')}`].join('; ');
}

/** The report as aligned plain text for the terminal. */
export function renderText(r: BenchResult): string {
  const out = [...metaLines(r.meta), ...checkLines(r), ''];
  for (const t of tablesOf(r)) {
    const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    out.push(t.title, ...(t.lead ? [t.lead] : []), line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line), ...(t.note ? [t.note] : []), '');
  }
  const inc = incidents(r);
  if (inc.length) out.push('Incidents:', ...inc.map((s) => `  - ${s}`));
  return out.join('\n');
}

/** The report as markdown; `chart` is the SVG file name to embed, if any. */
export function renderMarkdown(r: BenchResult, chart?: string): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['# hotfs benchmarks', '', ...[...metaLines(r.meta), ...checkLines(r)].map((l) => `- ${esc(l)}`), ''];
  if (chart) out.push(`![Ratio of each contender's req/s to the ceiling, per case](${chart})`, '');
  for (const t of tablesOf(r)) {
    out.push(`## ${t.title}`, '', ...(t.lead ? [t.lead, ''] : []), `| ${t.head.map(esc).join(' | ')} |`, `| ${t.head.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`);
    out.push(...t.rows.map((row) => `| ${row.map(esc).join(' | ')} |`), '');
    if (t.note) out.push(esc(t.note), '');
  }
  const inc = incidents(r);
  if (inc.length) out.push('## Incidents', '', ...inc.map((s) => `- ${esc(s)}`), '');
  return out.join('\n');
}
