/**
 * The pinned mode (`--pin`) for real: a quick pinned run must start, pin every server to CPU 0 and the
 * load generator to CPU 1, and say so in its report. The pinning is checked from outside the bench,
 * by reading `/proc` of the bench's children while it runs, not only from what the bench reports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCpuList, formatCpuList, pinUnsupported } from '@hotfs/bench';

/** The parts of the bench's JSON document these tests read. */
interface BenchJson {
  http: { cases: Array<{ name: string; results: Record<string, { rps: { median: number } }> }> };
  meta: { pin?: unknown };
}

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'hotfs-bench-pin-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A child of the bench seen in /proc: its command line and its main thread's allowed CPUs. */
interface Seen {
  argv: string[];
  cpus: string;
}

/** The children of `ppid` that have exec'd node (not taskset still on its way to it), with their CPU lists. */
function childrenOf(ppid: number): Map<number, Seen> {
  const found = new Map<number, Seen>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv[0] !== process.execPath) continue;
      const cpus = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cpus) found.set(Number(entry), { argv, cpus });
    } catch {
      // The process ended between the listing and the reads.
    }
  }
  return found;
}

describe.skipIf(pinUnsupported() !== undefined)('pnpm bench --quick --pin', () => {
  const seen = new Map<number, Seen>();
  let status: number | null = null;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    const args = ['--quick', '--pin', '--json', '--generator', 'node', '--only', 'http', '--contenders', 'hotfs+DiskFS', '--cases', '640 B,1 MiB', '--out', out];
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Every server lives for at least its 150 ms throughput run: a 20 ms poll sees each one.
    const poll = setInterval(() => {
      for (const [pid, s] of childrenOf(child.pid!)) seen.set(pid, s);
    }, 20);
    const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    clearTimeout(killer);
  }, 120_000);

  it('exits 0 with one JSON document and numbers for every contender', () => {
    expect(status, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchJson;
    for (const c of result.http.cases) {
      for (const n of ['ceiling', 'hotfs+DiskFS']) expect(Number.isFinite(c.results[n]?.rps.median), `${n} / ${c.name}`).toBe(true);
    }
  });

  it('ran every server on CPU 0 and the load generator on CPU 1, as /proc shows from outside', () => {
    const servers = [...seen.values()].filter((s) => s.argv.some((a) => a.includes('/servers/')));
    const generators = [...seen.values()].filter((s) => s.argv.some((a) => a.endsWith('client-worker.js')));
    // Two cases, two contenders, a fresh server per sample (and per case for 1 MiB): at least four.
    expect(servers.length).toBeGreaterThanOrEqual(4);
    expect(new Set(servers.map((s) => s.argv.find((a) => a.includes('/servers/'))!.replace(/.*\//, '')))).toEqual(new Set(['ceiling.js', 'hotfs-disk.js']));
    expect(servers.map((s) => s.cpus)).toEqual(servers.map(() => '0'));
    expect(generators.map((s) => s.cpus)).toEqual(['1']);
  });

  it('reports the mode with what /proc showed, and 32 connections', () => {
    const result = JSON.parse(stdout) as BenchJson;
    expect(result.meta.pin).toEqual({ serverCpus: ['0'], generatorCpus: '1', connections: 32 });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(
      "- mode: PINNED (--pin): every HTTP server on CPU 0 (its threads' CPUs as /proc showed them: 0), the load generator on CPU 1 (/proc: 1), 32 keep-alive connections",
    );
    expect(md).toMatch(/throughput 150 ms \([^)]*\) at 32 connections,/);
  });
});

describe('--pin refused where it cannot run', () => {
  it('names the missing taskset, with exit 2 and no stack', () => {
    // The bench starts node by its full path, so an empty PATH takes away only taskset.
    const run = spawnSync(process.execPath, [cli, '--pin', '--only', 'http'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: '' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^hotfs bench: --pin needs (taskset \(util-linux\) on the PATH|2 CPUs|Linux)/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('CPU lists as /proc and taskset write them', () => {
  it.each([
    ['0', [0]],
    ['0-1', [0, 1]],
    ['0-2,5,7-8', [0, 1, 2, 5, 7, 8]],
  ])('%s', (list, ids) => {
    expect(expandCpuList(list)).toEqual(ids);
    expect(formatCpuList([...ids].reverse())).toBe(list);
  });
});
