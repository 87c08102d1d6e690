/**
 * The autocannon load process: takes {@link LoadJob}s over IPC, answers {@link LoadResult}s. Kept apart
 * from the bench process so the generator never shares an event loop with bookkeeping.
 * @packageDocumentation
 */
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './load.js';

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ result }),
    (err: unknown) => process.send?.({ error: String((err as Error)?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));

async function run(job: LoadJob): Promise<LoadResult> {
  const started = performance.now();
  let count = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${job.port}`,
    connections: job.connections,
    pipelining: 1,
    duration: job.durationMs / 1000,
    timeout: 30,
    // autocannon cycles each connection through this list: the rotation case needs no special path.
    requests: job.paths.map((path) => ({ method: 'GET', path, headers: job.headers })),
  });
  instance.on('response', () => {
    if (++count === job.maxRequests) instance.stop();
  });
  const r = await instance;
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: r.requests.total,
    bytes: r.throughput.total,
    seconds,
    socketErrors: r.errors + r.timeouts,
    non2xx3xx: (r['4xx'] ?? 0) + (r['5xx'] ?? 0),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
  };
}
