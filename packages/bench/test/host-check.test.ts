/**
 * The host check is pure: a run's numbers in, one line out. The runs are built by hand to put the
 * ceiling's spread of CPU per request on both sides of the 1.5x line.
 */
import { describe, expect, it } from 'vitest';
import { hostCheck, renderMarkdown, type BenchResult } from '../src/index.js';

const spread = (min: number, max: number) => ({ median: (min + max) / 2, min, max });

function run(ceilingCpu: Record<string, [number, number]>): BenchResult {
  const cases = Object.entries(ceilingCpu).map(([name, [min, max]]) => ({
    name,
    expectStatus: 200,
    results: {
      ceiling: {
        rps: spread(1, 1),
        bytesPerSec: spread(0, 0),
        p50Ms: spread(0, 0),
        p99Ms: spread(0, 0),
        cpuUsPerReq: spread(min, max),
        serverBusy: spread(1, 1),
        status: 200,
        statusOk: true,
        socketErrors: 0,
        unexpectedStatus: 0,
      },
    },
    ratioToCeiling: { ceiling: 1 },
    matrix: {},
  }));
  return {
    meta: { date: 'd', command: 'c', node: 'v20', cpus: 2, cpuModel: 'cpu', memGiB: 1, platform: 'linux', rounds: 5, quick: false } as BenchResult['meta'],
    http: { contenders: ['ceiling'], cases },
  };
}

describe('hostCheck', () => {
  it('names the cases where the ceiling itself moved more than 1.5x, with how much', () => {
    const line = hostCheck(run({ '640 B': [15, 16], '1 MiB': [212, 617], '5 MiB': [1000, 1600] }));
    expect(line).toContain('in 2 of 3 cases (1 MiB 2.9x, 5 MiB 1.6x)');
    expect(line).not.toContain('640 B');
  });

  it('says the host held still when every spread is within 1.5x', () => {
    expect(hostCheck(run({ '640 B': [15, 16], '1 MiB': [200, 299] }))).toBe("host check: the ceiling's CPU per request stayed within 1.5x across rounds in all 2 cases");
  });

  it('has nothing to say about a run without the HTTP level or with one round, and is in the markdown report', () => {
    expect(hostCheck({ meta: run({}).meta })).toBeUndefined();
    const once = run({ '1 MiB': [200, 200] });
    expect(hostCheck({ ...once, meta: { ...once.meta, rounds: 1 } })).toBeUndefined();
    expect(renderMarkdown(run({ '1 MiB': [200, 600] }))).toContain("- host check: the ceiling's own CPU per request moved more than 1.5x");
  });
});
