/**
 * hotfs's own keep-alive load client, the fallback when wrk is missing (CI has only Node). It runs in
 * its own process, takes {@link LoadJob}s over IPC and answers {@link LoadResult}s. Raw sockets and
 * a minimal HTTP/1.1 response parser: it only counts bytes and finds where each response ends, so it
 * costs far less per request than a full client (autocannon topped out near 60 MiB/s here) and times
 * each request with a microsecond clock.
 * @packageDocumentation
 */
import { connect, type Socket } from 'node:net';
import type { LoadJob, LoadResult } from './load.js';

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ result }),
    (err: unknown) => process.send?.({ error: String((err as Error)?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;

/** Runs one job: `connections` sockets, each sending its next request when the previous answer ends. */
function run(job: LoadJob): Promise<LoadResult> {
  const host = `Host: 127.0.0.1:${job.port}\r\n`;
  const extra = Object.entries(job.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const requests = job.paths.map((p) => Buffer.from(`GET ${p} HTTP/1.1\r\n${host}${extra}\r\n`, 'latin1'));
  const latencies = new Float64Array(Math.min(job.maxRequests, 4_000_000));
  let sent = 0;
  let done = 0;
  let bytes = 0;
  let socketErrors = 0;
  let bad = 0;
  let open = 0;
  const start = performance.now();
  let last = start;
  const deadline = start + job.durationMs;

  return new Promise((resolve) => {
    const finish = () => {
      if (open > 0) return;
      clearTimeout(guard);
      const lat = latencies.subarray(0, Math.min(done, latencies.length)).sort();
      const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]! : Number.NaN);
      resolve({ requests: done, bytes, seconds: (last - start) / 1000, socketErrors, non2xx3xx: bad, p50Ms: pct(50), p99Ms: pct(99) });
    };
    const sockets: Socket[] = [];
    // A response that never ends must not hold the run past its bound.
    const guard = setTimeout(() => sockets.forEach((s) => s.destroy()), job.durationMs + 30_000);
    for (let c = 0; c < job.connections; c++) {
      let next = c % requests.length; // connections start spread over the rotation
      let head: Buffer | undefined;
      let inHead = true;
      let remaining = 0;
      let t0 = 0;
      let status = 0;
      const socket = connect(job.port, '127.0.0.1');
      sockets.push(socket);
      open++;
      socket.setNoDelay(true);
      const sendNext = () => {
        if (performance.now() >= deadline || sent >= job.maxRequests) return void socket.end();
        sent++;
        t0 = performance.now();
        socket.write(requests[next]!);
        next = (next + 1) % requests.length;
      };
      const complete = () => {
        const now = performance.now();
        if (done < latencies.length) latencies[done] = now - t0;
        done++;
        last = now;
        if (status >= 400) bad++;
        inHead = true;
        sendNext();
      };
      socket.on('connect', sendNext);
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        while (chunk.length > 0) {
          if (inHead) {
            head = head ? Buffer.concat([head, chunk]) : chunk;
            const end = head.indexOf(HEADER_END);
            if (end < 0) return;
            const text = head.toString('latin1', 0, end + 2);
            chunk = head.subarray(end + 4);
            head = undefined;
            status = Number(text.slice(9, 12));
            if (CHUNKED.test(text)) {
              socket.destroy(new Error('chunked responses are not supported by the fallback client'));
              return;
            }
            remaining = status === 304 || status === 204 ? 0 : Number(CONTENT_LENGTH.exec(text)?.[1] ?? 0);
            inHead = false;
          } else {
            const take = Math.min(remaining, chunk.length);
            remaining -= take;
            chunk = chunk.subarray(take);
          }
          if (!inHead && remaining === 0) complete();
        }
      });
      socket.on('error', () => socketErrors++);
      socket.on('close', () => {
        open--;
        finish();
      });
    }
  });
}
