/**
 * The large-body cases take their throughput in slices that alternate between contenders whose
 * servers stay up for the case. Real servers on 127.0.0.1 and the real `node` load generator (from
 * dist, as it spawns its worker), wrapped only to record what it was asked to run and what it measured.
 */
import { describe, expect, it } from 'vitest';
import { contenders, ensureFixture, httpCases, pickGenerator, runHttpBench, type LoadGenerator, type LoadJob, type LoadResult } from '@hotfs/bench';

describe('interleaved throughput slices', () => {
  it('alternates the slices between live servers and sums every slice into the sample', async () => {
    const node = pickGenerator('node');
    const calls: { job: LoadJob; result: LoadResult }[] = [];
    const generator: LoadGenerator = {
      name: 'node (recorded)',
      run: async (job) => {
        const result = await node.run(job);
        calls.push({ job, result });
        return result;
      },
      close: () => node.close(),
    };
    const oneMiB = httpCases.find((c) => c.name === '1 MiB')!;
    expect(oneMiB.windows).toBe(4);
    const durationMs = 100;
    const result = await runHttpBench({
      root: ensureFixture(),
      generator,
      rounds: 1,
      warmupMs: 0,
      durationMs,
      latencyMs: 50,
      maxRequests: 5_000,
      contenders: contenders.filter((c) => c.name === 'ceiling' || c.name === 'hotfs+MemFS'),
      cases: [oneMiB],
    }).finally(() => generator.close());

    // Throughput slices are the 4-connection runs; the latency runs use one connection.
    const slices = calls.filter((c) => c.job.connections === 4);
    expect(slices.map((c) => c.job.durationMs)).toEqual(Array(8).fill((durationMs * oneMiB.durationScale!) / 4));
    const ports = slices.map((c) => c.job.port);
    expect(new Set(ports).size).toBe(2);
    const switches = ports.filter((p, i) => i > 0 && p !== ports[i - 1]).length;
    expect(switches).toBeGreaterThanOrEqual(3); // one contender at a time would switch once

    // Both servers were up together: every latency run comes after every slice.
    const lastSlice = calls.lastIndexOf(slices.at(-1)!);
    expect(calls.findIndex((c) => c.job.connections === 1)).toBeGreaterThan(lastSlice);

    for (const port of new Set(ports)) {
      const mine = slices.filter((c) => c.job.port === port).map((c) => c.result);
      const rps = mine.reduce((n, r) => n + r.requests, 0) / mine.reduce((s, r) => s + r.seconds, 0);
      const medians = Object.values(result.cases[0]!.results).map((m) => m.rps.median);
      expect(
        medians.some((m) => Math.abs(m - rps) < 1e-9 * rps),
        `port ${port}: ${rps} in ${medians.join(', ')}`,
      ).toBe(true);
    }
  }, 60_000);
});
