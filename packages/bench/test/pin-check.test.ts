/**
 * The pin check is pure: a run's numbers in, one line out. The runs are built by hand with servers on
 * both sides of the 0.9-of-a-core line.
 */
import { describe, expect, it } from 'vitest';
import { pinCheck, renderText, type BenchResult } from '../src/index.js';

const spread = (x: number) => ({ median: x, min: x, max: x });

function run(busy: Record<string, Record<string, number>>, pinned = true): BenchResult {
  const cases = Object.entries(busy).map(([name, servers]) => ({
    name,
    expectStatus: 200,
    results: Object.fromEntries(
      Object.entries(servers).map(([n, b]) => [
        n,
        {
          rps: spread(1),
          bytesPerSec: spread(0),
          p50Ms: spread(0),
          p99Ms: spread(0),
          cpuUsPerReq: spread(1),
          serverBusy: spread(b),
          status: 200,
          statusOk: true,
          socketErrors: 0,
          unexpectedStatus: 0,
        },
      ]),
    ),
    ratioToCeiling: {},
    matrix: {},
  }));
  const meta = {
    date: 'd',
    command: 'c',
    node: 'v20',
    cpus: 2,
    cpuModel: 'cpu',
    memGiB: 1,
    platform: 'linux',
    rounds: 2,
    quick: false,
    loadavg: [1, 1],
    ...(pinned ? { pin: { serverCpus: ['0'], generatorCpus: '1', connections: 32 } } : {}),
  } as BenchResult['meta'];
  return { meta, http: { contenders: Object.keys(Object.values(busy)[0] ?? {}), cases } };
}

describe('pinCheck', () => {
  it('names each case and server that had less than 0.9 of its core, with its share', () => {
    const line = pinCheck(run({ '640 B': { ceiling: 0.99, sirv: 0.81, 'hotfs+DiskFS': 0.39 }, '5 MiB': { ceiling: 0.97, sirv: 0.95 } }));
    expect(line).toContain('in 1 of 2 cases: 640 B (sirv 0.81, hotfs+DiskFS 0.39).');
    expect(line).toContain('compare CPU per request');
    expect(line).not.toContain('5 MiB');
  });

  it('says every server had its core when all were at 0.9 or more', () => {
    expect(pinCheck(run({ '640 B': { ceiling: 0.99, sirv: 0.9 } }))).toBe('pin check: every server kept its core at least 0.9 busy in all 1 cases');
  });

  it('has nothing to say about an unpinned run, and is in the report of a pinned one', () => {
    expect(pinCheck(run({ '640 B': { sirv: 0.2 } }, false))).toBeUndefined();
    expect(renderText(run({ '640 B': { sirv: 0.2 } }))).toContain('pin check: servers used less than 0.9 of their core in 1 of 1 cases: 640 B (sirv 0.20)');
  });
});
