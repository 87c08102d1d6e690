/**
 * The target check is pure: a run's numbers in, one row per target out. These runs are built by hand
 * to put each rule on both sides of its line.
 */
import { describe, expect, it } from 'vitest';
import { checkTargets, type BenchResult } from '../src/index.js';

const spread = (median: number) => ({ median, min: median, max: median });

function measure(rps: number) {
  return {
    rps: spread(rps),
    bytesPerSec: spread(0),
    p50Ms: spread(0),
    p99Ms: spread(0),
    cpuUsPerReq: spread(0),
    serverBusy: spread(1),
    status: 200,
    statusOk: true,
    socketErrors: 0,
    unexpectedStatus: 0,
  };
}

/** An HTTP-only run: req/s per case for hotfs+DiskFS and sirv. */
function run(disk: Record<string, number>, sirv: Record<string, number>): BenchResult {
  const cases = Object.keys(disk).map((name) => ({
    name,
    expectStatus: 200,
    results: { ceiling: measure(100), 'hotfs+DiskFS': measure(disk[name]!), sirv: measure(sirv[name]!) },
    ratioToCeiling: {},
    matrix: {},
  }));
  return { meta: {} as BenchResult['meta'], http: { contenders: ['ceiling', 'hotfs+DiskFS', 'sirv'], cases } };
}

const diskRow = (r: BenchResult) => checkTargets(r).find((t) => t.target.startsWith('HTTP: hotfs+DiskFS'))!;

describe('checkTargets: hotfs+DiskFS against the best disk peer', () => {
  it('is met when ahead at every size, and reports the bodiless cases beside it', () => {
    const row = diskRow(run({ '640 B': 20, '1 MiB': 3, '404': 9, '304 revalidation': 4 }, { '640 B': 10, '1 MiB': 2, '404': 10, '304 revalidation': 10 }));
    expect(row.met).toBe(true);
    expect(row.measured).toBe('ahead at every size (lowest: 1 MiB 1.50x sirv); no body (not a size): 404 0.90x sirv, 304 revalidation 0.40x sirv');
  });

  it('is missed when behind at one size', () => {
    const row = diskRow(run({ '640 B': 9, '1 MiB': 3, '404': 20 }, { '640 B': 10, '1 MiB': 2, '404': 10 }));
    expect(row.met).toBe(false);
    expect(row.measured).toMatch(/^behind in 640 B 0\.90x sirv;/);
  });
});

/** An FS-only run: ops/s of MemFS and of ZipFS stored entries read from disk, per read case. */
function fsRun(zip: Record<string, number>): BenchResult {
  const cases = Object.entries(zip).map(([name, ops]) => ({
    name,
    results: { MemFS: { opsPerSec: spread(100), p50Us: spread(0) }, 'ZipFS stored': { opsPerSec: spread(ops), p50Us: spread(0) } },
    ratioToBaseline: {},
  }));
  return { meta: {} as BenchResult['meta'], fs: { backends: ['MemFS', 'ZipFS stored'], cases } };
}

const zipRow = (r: BenchResult) => checkTargets(r).find((t) => t.target.startsWith('FS level: ZipFS stored >='))!;

describe('checkTargets: ZipFS stored entries against MemFS', () => {
  it('holds every case the cache takes to 0.8x, and reports the entry read in place beside it', () => {
    const row = zipRow(fsRun({ 'read 640 B': 95, 'read 5 MiB': 81, 'read 100 MiB': 2 }));
    expect(row.met).toBe(true);
    expect(row.measured).toBe('lowest 0.81 (read 5 MiB); read 100 MiB (in place) 0.02');
  });

  it('is missed when a cached case falls below 0.8x', () => {
    const row = zipRow(fsRun({ 'read 640 B': 79, 'read 5 MiB': 90, 'read 100 MiB': 90 }));
    expect(row.met).toBe(false);
    expect(row.measured).toMatch(/below in read 640 B 0\.79/);
  });
});
