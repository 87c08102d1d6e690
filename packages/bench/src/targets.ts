/**
 * The targets, checked against a run. Until hotfs's contenders and MemFS are registered the
 * check says "pending" instead of guessing; after merging it reads the same result as the tables.
 * @packageDocumentation
 */
import type { BenchResult } from './report.js';
import { HELD_PER_BYTE, WRITE_P99_MS, withinBudget } from './memfs-costs.js';
import { geomean } from './stats.js';

/** One target and how the run did. */
export interface TargetCheck {
  target: string;
  /** Measured value(s), readable. */
  measured: string;
  /** `true` met, `false` missed, `null` cannot be checked in this run. */
  met: boolean | null;
}

/** Contender names the targets refer to. */
export const HOTFS_MEM = 'hotfs+MemFS';
export const HOTFS_DISK = 'hotfs+DiskFS';
/** Peers that read from disk per request (st serves from its content cache, so it is not one). */
export const DISK_PEERS = ['sirv', 'serve-static', '@fastify/static'];

/** Minimum ratio of hotfs+MemFS's req/s to the ceiling's, per HTTP case. */
const MEM_VS_CEILING: Record<string, number> = {
  '404': 0.95,
  '0 B': 0.85,
  '640 B': 0.85,
  '1 KiB': 0.85,
  'rotation 1,000 x 640 B': 0.85,
  '64 KiB': 0.85,
  '1 MiB': 0.95,
  '5 MiB': 0.95,
  '100 MiB': 0.95,
};

const f2 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(2) : 'n/a');

/** Checks every target the run has data for. */
export function checkTargets(r: BenchResult): TargetCheck[] {
  const out: TargetCheck[] = [];
  const fs = r.fs;
  if (fs?.backends.includes('MemFS') && fs.backends.includes('DiskFS')) {
    const ratios = fs.cases.map((c) => ({ name: c.name, v: (c.results.MemFS?.opsPerSec.median ?? NaN) / (c.results.DiskFS?.opsPerSec.median ?? NaN) }));
    const worst = ratios.reduce((a, b) => (Number.isFinite(b.v) && (!Number.isFinite(a.v) || b.v < a.v) ? b : a));
    out.push({ target: 'FS level: MemFS/DiskFS >= 20x', measured: `geomean ${f2(geomean(ratios.map((x) => x.v)))}x, lowest ${f2(worst.v)}x (${worst.name})`, met: ratios.every((x) => x.v >= 20) });
  } else out.push({ target: 'FS level: MemFS/DiskFS >= 20x', measured: fs ? 'MemFS not registered' : 'FS level not run', met: null });

  const http = r.http;
  for (const [name, min] of Object.entries(MEM_VS_CEILING)) {
    const c = http?.cases.find((x) => x.name === name);
    const v = c?.ratioToCeiling[HOTFS_MEM];
    const ok = c?.results[HOTFS_MEM]?.statusOk;
    out.push({ target: `HTTP ${name}: ${HOTFS_MEM}/ceiling >= ${min}`, measured: v === undefined ? (http ? `${HOTFS_MEM} not registered` : 'HTTP level not run') : f2(v), met: v === undefined ? null : ok === true && v >= min });
  }
  // From 1 MiB up the server's CPU per GiB of body is the cost that matters, not only req/s.
  for (const c of http?.cases.filter((x) => x.results.ceiling?.cpuMsPerGiB && x.results[HOTFS_MEM]?.cpuMsPerGiB) ?? []) {
    const v = c.results[HOTFS_MEM]!.cpuMsPerGiB!.median / c.results.ceiling!.cpuMsPerGiB!.median;
    out.push({ target: `HTTP ${c.name}: ${HOTFS_MEM} CPU per GiB <= 1.1x the ceiling's`, measured: `${f2(v)}x`, met: Number.isFinite(v) ? v <= 1.1 : null });
  }
  if (http?.contenders.includes(HOTFS_DISK)) {
    const misses = http.cases.flatMap((c) => {
      const mine = c.results[HOTFS_DISK]?.rps.median ?? NaN;
      const peers = DISK_PEERS.map((p) => ({ p, v: c.results[p]?.statusOk ? (c.results[p]?.rps.median ?? NaN) : NaN })).filter((x) => Number.isFinite(x.v));
      const best = peers.reduce((a, b) => (b.v > a.v ? b : a), { p: '', v: -Infinity });
      return best.p && !(mine >= best.v) ? [`${c.name} (${f2(mine / best.v)}x ${best.p})`] : [];
    });
    out.push({ target: `HTTP: ${HOTFS_DISK} >= best disk peer (${DISK_PEERS.join(', ')}) in every case`, measured: misses.length ? `behind in ${misses.join(', ')}` : 'ahead in every case', met: misses.length === 0 });
  } else out.push({ target: `HTTP: ${HOTFS_DISK} >= best disk peer`, measured: http ? `${HOTFS_DISK} not registered` : 'HTTP level not run', met: null });
  const memfs = r.memfs;
  if (memfs) {
    const held = memfs.mirrors.map((m) => `${m.tree}: ${f2(m.heldBytes / m.budgetBytes)} of budget`);
    out.push({ target: `MemFS held <= ${HELD_PER_BYTE}x bytes + 2 KiB per file`, measured: held.join('; '), met: memfs.mirrors.every(withinBudget) });
    const w = memfs.writeToServed;
    out.push({ target: `MemFS write to served p99 < ${WRITE_P99_MS} ms`, measured: `p99 ${f2(w.p99Ms)} ms (p50 ${f2(w.p50Ms)}), ${w.lost} lost`, met: w.lost === 0 && w.p99Ms < WRITE_P99_MS });
  } else out.push({ target: 'MemFS costs', measured: 'not run', met: null });
  return out;
}
