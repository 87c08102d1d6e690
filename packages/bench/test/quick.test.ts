/**
 * Runs `pnpm bench --quick` for real (every case, every contender, briefly) and checks that the output
 * is well formed. It checks that the benchmark works, never how fast anything is: CI machines are
 * noisy, and a peer that crashes is a result, not a failure.
 */
// This file checks the JSON the bench prints field by field, often by key name: the document stays untyped
// (`any`) on purpose, so a missing or mistyped field fails an assertion here instead of being assumed by a type.
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { contenders, httpCases } from '@hotfs/bench';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'hotfs-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Spread = { median: number | null; min: number | null; max: number | null };

describe('pnpm bench --quick', () => {
  // The generator is the Node fallback client: CI has no wrk. Every backend and contender, briefly:
  // about 6 min alone on 2 cores (ZipFS deflated inflates 100 MiB per read; the archives are built
  // once; the S3 and workers parts start s3rver and Node 24; the scale part idles 6 s per tree). Beside the rest of the suite it has run past
  // 8 min here, so it gets 15 (CI allows 90 for the whole run on three Node versions).
  const run = spawnSync(process.execPath, [cli, '--quick', '--json', '--generator', 'node', '--out', out], { encoding: 'utf8', timeout: 900_000 });

  // Every check below names how the run ended: a failure report shows its last lines, not the first test's.
  const why = `bench exit ${run.status ?? run.signal}${run.error ? ` (${run.error.message})` : ''}; stderr ends:\n${(run.stderr ?? '').slice(-2500)}`;

  it('exits 0 and prints one JSON document', () => {
    expect(run.error, why).toBeUndefined();
    expect(run.status, why).toBe(0);
    expect(() => JSON.parse(run.stdout), why).not.toThrow();
  });

  const result = JSON.parse(run.stdout || '{}');
  const part = (name: string) => expect(result[name], `${name} part: ${result.failedParts?.[name] ?? 'missing'}; ${why}`).toBeDefined();
  const finite = (s: Spread) => [s.median, s.min, s.max].every((n) => typeof n === 'number' && Number.isFinite(n));

  it('records how and where it ran', () => {
    part('meta');
    expect(result.meta.quick).toBe(true);
    expect(result.meta.node).toBe(process.version);
    expect(result.meta.generator).toMatch(/node/);
    // Not pinned unless asked (test/pin.test.ts runs the pinned mode).
    expect(result.meta.pin).toBeUndefined();
  });

  it('has every FS case for every backend, with finite numbers and ratios', () => {
    part('fs');
    const names = result.fs.cases.map((c: { name: string }) => c.name);
    expect(names).toEqual(['stat miss', 'stat hit', 'read 0 B', 'read 640 B', 'read 64 KiB', 'read 5 MiB', 'read 100 MiB', 'readdir 1,000']);
    for (const c of result.fs.cases) {
      for (const b of result.fs.backends) {
        expect(finite(c.results[b].opsPerSec), `${b} / ${c.name}`).toBe(true);
        expect(c.ratioToBaseline[b]).toBeGreaterThan(0);
        // ops/s comes from the mean time per operation, p50 from the median: their product is near 1 when
        // the units agree, and off by 1,000 or more when one is in the wrong unit. A quick run takes a
        // handful of samples of the large reads, and one stall on a loaded machine moves the mean
        // alone by 40x (seen: 0.024), so the bounds only catch a unit mistake.
        const opsTimesP50 = (c.results[b].opsPerSec.median * c.results[b].p50Us.median) / 1e6;
        expect(opsTimesP50, `${b} / ${c.name}: ops/s x p50`).toBeGreaterThan(0.002);
        expect(opsTimesP50, `${b} / ${c.name}: ops/s x p50`).toBeLessThan(500);
      }
      expect(c.ratioToBaseline[result.fs.backends[0]]).toBe(1);
    }
  });

  it('has every HTTP case for every contender: numbers, or the reason there are none', () => {
    part('http');
    const names = result.http.cases.map((c: { name: string }) => c.name);
    expect(names).toEqual([
      '404',
      '0 B',
      '640 B',
      '1 KiB',
      '64 KiB',
      '1 MiB',
      '5 MiB',
      '100 MiB',
      'rotation 1,000 x 640 B',
      'range 1 KiB of 1 MiB',
      'br 64 KiB JS',
      'br 1 MiB JS',
      '304 revalidation',
    ]);
    expect(result.http.contenders).toEqual(
      expect.arrayContaining([
        'ceiling',
        'sirv',
        'serve-static',
        'st',
        '@fastify/static',
        'hotfs+MemFS',
        'hotfs+DiskFS',
        'hotfs+MapFS',
        'hotfs+VolumeFS',
        'hotfs+SubFS',
        'hotfs+OverlayFS',
        'hotfs+ZipFS',
      ]),
    );
    for (const c of result.http.cases) {
      for (const n of result.http.contenders) {
        const m = c.results[n];
        // A contender of a few cases (the S3 ones) has no result elsewhere.
        const only = contenders.find((x) => x.name === n)?.cases;
        if (only && !only.includes(c.name)) {
          expect(m, `${n} / ${c.name}`).toBeUndefined();
          continue;
        }
        expect(m, `${n} / ${c.name}`).toBeDefined();
        if (n === 'ceiling') {
          // The reference must always measure, or no ratio means anything.
          for (const k of ['rps', 'bytesPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerReq']) expect(finite(m[k]), `ceiling ${k} / ${c.name}`).toBe(true);
          expect(m.statusOk, `ceiling status on ${c.name}`).toBe(true);
          expect(c.ratioToCeiling.ceiling).toBe(1);
        } else if (finite(m.rps)) {
          expect(c.ratioToCeiling[n]).toBeGreaterThan(0);
          expect(c.matrix[n].ceiling).toBeCloseTo(c.ratioToCeiling[n], 9);
          expect(c.matrix.ceiling[n]).toBeCloseTo(1 / c.ratioToCeiling[n], 9);
        } else {
          expect(m.crashed ?? m.error, `${n} / ${c.name} has neither numbers nor a reason`).toEqual(expect.any(String));
        }
      }
    }
  });

  it('measures the MemFS costs: mirror time, peak RSS and memory held per tree, write-to-served latency', () => {
    part('memfs');
    const num = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
    expect(result.memfs.mirrors).toHaveLength(2);
    for (const m of result.memfs.mirrors) {
      for (const k of ['mirrorMs', 'rssBefore', 'peakRss', 'heldBytes', 'heldRss', 'heldPerByte', 'budgetBytes']) expect(num(m[k]), `${m.tree} ${k}`).toBe(true);
      expect(m.mirrorMs).toBeGreaterThan(0);
      expect(m.peakRss).toBeGreaterThanOrEqual(m.rssBefore);
      // The mirror held the whole tree in memory.
      expect(m.mirrored).toMatchObject({ files: m.files, bytes: m.bytes, filesOnDisk: 0 });
    }
    const w = result.memfs.writeToServed;
    expect(w.lost).toBe(0);
    for (const k of ['p50Ms', 'p99Ms', 'maxMs']) expect(num(w[k]) && w[k] > 0, k).toBe(true);
    expect(w.p99Ms).toBeGreaterThanOrEqual(w.p50Ms);
  });

  it('measures MemFS at scale: every file held, ready time, memory over the content and idle CPU in their units', () => {
    part('scale');
    const { scale } = result;
    expect(scale.rows.map((r: { files: number }) => r.files)).toEqual([2000, 10_000]);
    for (const r of scale.rows) {
      const at = `${r.files} files`;
      expect(r.heldFiles, at).toBe(r.files);
      expect(r.readyMs.median, at).toBeGreaterThan(0);
      expect(r.swlResolveMs.median, at).toBeGreaterThan(0);
      // Bounds that a unit slip (KiB for B, a total for a per-file value, a fraction for a percentage) leaves.
      // A small tree's figure is mostly fixed costs (~30 MiB of watcher and heap pages over 2,000 files measured 14.6-17.1 KB).
      expect(r.overContentPerFile.median, at).toBeGreaterThan(0);
      expect(r.overContentPerFile.median, at).toBeLessThan(r.files >= 10_000 ? 20_000 : 50_000);
      expect(r.idleCpuPct.median, at).toBeGreaterThan(0);
      expect(r.idleCpuPct.median, at).toBeLessThan(100);
    }
  });

  it('measures the S3 mirror costs: list calls only for an unchanged bucket, change to served with nothing lost', () => {
    part('s3');
    const { s3 } = result;
    expect(s3.mirror.calls.GetObjectCommand).toBe(s3.objects);
    for (const r of s3.reconciles) {
      expect(Object.keys(r.calls)).toEqual(['ListObjectsV2Command']);
      expect(r.wallMs).toBeGreaterThan(0);
    }
    for (const k of ['memfs', 'cache']) expect([s3[k].lost, s3[k].ms.median > 0], k).toEqual([0, true]);
  });

  it('measures the workers: req/s, CPU per request and RSS for each worker count, on Node 24', () => {
    part('workers');
    const { workers } = result;
    expect(workers.serverNode).toMatch(/^v24\./);
    expect(workers.rows.map((r: { workers: number }) => r.workers)).toEqual([1, 2]);
    for (const r of workers.rows) for (const k of ['rps1k', 'rps1m', 'cpu1k', 'cpu1m', 'rss']) expect(r[k].median, `${r.workers} workers ${k}`).toBeGreaterThan(0);
  });

  it('writes the JSON, the markdown report and the SVG chart', () => {
    for (const f of ['results.json', 'report.md', 'chart.svg']) expect(existsSync(join(out, f)), `${f}; ${why}`).toBe(true);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const c of result.http.cases) expect(md).toContain(`| ${c.name} |`);
    expect(md).toMatch(/^## Targets$/m);
    expect(md).toContain('## MemFS costs');
    expect(md).toContain('## Mirror scale');
    expect(md).toContain('- mode: unpinned');
    expect(md).toMatch(/MemFS write to served p99 < 100 ms \| p99 \d/);
    // The budgets line says which cases ran longer or in alternating slices, from the cases themselves.
    const budgets = md.split('\n').find((l) => l.startsWith('- budgets:')) ?? '';
    for (const c of httpCases.filter((x) => x.windows)) expect(budgets).toContain(`${c.name} ${c.windows}`);
    for (const c of httpCases.filter((x) => x.durationScale)) expect(budgets).toMatch(new RegExp(`x${c.durationScale}: [^;]*${c.name}`));
    const svg = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});

describe('pnpm bench with bad flags', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--rounds', '0'], /--rounds must be a positive integer; got 0/],
    [['--only', 'disk'], /--only must be fs, http, memfs, scale, s3 or workers \(or a list of them\); got disk/],
    [['--workers', '0'], /--workers takes counts from 1 to 64 or auto, as a list; got 0/],
    [['--contenders', 'nginx'], /unknown contender\(s\): nginx/],
    [['--cases', '404,nope'], /no HTTP case starts with "nope"/],
    [['--pin', '--only', 'fs'], /--pin pins the HTTP servers; --only fs runs none/],
  ])('%j: one line naming it, the usage, exit 2, no stack', (args, message) => {
    const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: pnpm bench');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help prints the usage and exits 0', () => {
    const run = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect([run.status, run.stdout.startsWith('usage: pnpm bench')]).toEqual([0, true]);
  });
});
