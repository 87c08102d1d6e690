import { describe, expect, it } from 'vitest';
import { limiter } from '../src/mirror/read.js';

describe('limiter', () => {
  it('runs at most max tasks at once, starts them in the order they came, and finishes every one', async () => {
    const run = limiter(16);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    // More than the queue's compaction threshold, all queued at once as the first walk does.
    const results = await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        run(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(most).toBe(16);
    expect(started).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(results).toEqual(Array.from({ length: 5000 }, (_, i) => i * 2));
  });

  it('frees its slot when a task throws', async () => {
    const run = limiter(1);
    await expect(run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await run(async () => 'next')).toBe('next');
  });
});
