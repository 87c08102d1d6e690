/** The stat-miss case must look up a path no backend has seen, every time. */
import { describe, expect, it } from 'vitest';
import { MissingPaths } from '../src/fs-bench.js';

describe('MissingPaths', () => {
  it('gives a new path for every lookup, across refills', () => {
    const paths = new MissingPaths(4);
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      paths.refill();
      for (let i = 0; i < 4; i++) seen.add(paths.next());
    }
    expect(seen.size).toBe(12);
    for (const p of seen) expect(p).toMatch(/^\/missing-\d+\.txt$/);
  });

  it('refuses to hand out more paths than a batch holds', () => {
    const paths = new MissingPaths(2);
    paths.refill();
    paths.next();
    paths.next();
    expect(() => paths.next()).toThrow(/used up/);
  });
});
