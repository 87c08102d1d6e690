/**
 * The HTTP cases: what each one requests and what a correct server answers.
 * @packageDocumentation
 */
import { request } from 'node:http';
import { FIXTURE_BUNDLES as B, FIXTURE_FILES as F, MISSING_PATH, ROTATION_COUNT, rotationPath } from './fixtures.js';

/** One HTTP case: the paths requested in turn, the status and body size a correct server answers. */
export interface HttpCase {
  name: string;
  paths: string[];
  /** Status a correct server answers. */
  expect: number;
  /** Body size of the answer, for the per-GiB figures. */
  bodyBytes: number;
  /** Request headers; the 304 case builds them from what the server itself sent. */
  headers?: (probe: Probe) => Record<string, string>;
  /** Throughput window as a multiple of the budget's (default 1). */
  durationScale?: number;
  /**
   * Take the throughput in this many slices, alternating between contenders whose servers stay up
   * for the whole case, instead of one contender at a time (see `measureInterleaved`).
   */
  windows?: number;
}

const RANGE_HEADER = { Range: 'bytes=1024-2047' };
/** What a browser that takes brotli sends (Chromium adds deflate and zstd, which no contender serves here). */
const BR_GZIP = { 'Accept-Encoding': 'br, gzip' };

/** The HTTP cases, in report order. */
export const httpCases: HttpCase[] = [
  { name: '404', paths: [MISSING_PATH], expect: 404, bodyBytes: 0 },
  { name: '0 B', paths: [F.empty.path], expect: 200, bodyBytes: 0 },
  { name: '640 B', paths: [F.b640.path], expect: 200, bodyBytes: 640 },
  // The case the backend and S3 targets are judged on: one by one, a slow period of the host (every
  // server, the ceiling included, at ~1.5x the CPU per request for tens of seconds) fell on a few
  // contenders' whole samples in both rounds; alternating slices share it out as for large bodies.
  { name: '1 KiB', paths: [F.k1.path], expect: 200, bodyBytes: 1024, durationScale: 2, windows: 4 },
  { name: '64 KiB', paths: [F.k64.path], expect: 200, bodyBytes: F.k64.size },
  // Four 1 s slices each (wrk runs whole seconds), so a contender's slices spread over ~30 s.
  { name: '1 MiB', paths: [F.m1.path], expect: 200, bodyBytes: F.m1.size, durationScale: 2, windows: 4 },
  { name: '5 MiB', paths: [F.m5.path], expect: 200, bodyBytes: F.m5.size, durationScale: 2, windows: 4 },
  // ~25 ms a request: the budget's 2 s are ~80 requests, and one server's samples ranged 20-46 req/s.
  // A longer window averages more of that; three alternating slices share out a host that drifts
  // over tens of seconds.
  { name: '100 MiB', paths: [F.m100.path], expect: 200, bodyBytes: F.m100.size, durationScale: 3, windows: 3 },
  { name: 'rotation 1,000 x 640 B', paths: Array.from({ length: ROTATION_COUNT }, (_, i) => rotationPath(i)), expect: 200, bodyBytes: 640 },
  { name: 'range 1 KiB of 1 MiB', paths: [F.m1.path], expect: 206, bodyBytes: 1024, headers: () => RANGE_HEADER },
  // bodyBytes is the content delivered (the identity size): CPU per GiB is then per GiB of bundle.
  { name: 'br 64 KiB JS', paths: [B.js64.path], expect: 200, bodyBytes: B.js64.size, headers: () => BR_GZIP },
  { name: 'br 1 MiB JS', paths: [B.js1m.path], expect: 200, bodyBytes: B.js1m.size, headers: () => BR_GZIP, durationScale: 2, windows: 4 },
  {
    name: '304 revalidation',
    paths: [F.b640.path],
    expect: 304,
    bodyBytes: 0,
    headers: (p) => {
      const h: Record<string, string> = {};
      if (p.etag) h['If-None-Match'] = p.etag;
      if (p.lastModified) h['If-Modified-Since'] = p.lastModified;
      return h;
    },
  },
];

/** Sizes from which CPU is also reported per GiB served. */
export const LARGE = 1024 * 1024;

/** A single request's outcome, used to check each server answers what the case expects. */
export interface Probe {
  status: number;
  bodyBytes: number;
  /** The Content-Encoding answered, if any. */
  encoding?: string;
  etag?: string;
  lastModified?: string;
}

export function probe(port: number, path: string, headers: Record<string, string>): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 30_000 }, (res) => {
      let bodyBytes = 0;
      res.on('data', (d: Buffer) => (bodyBytes += d.length));
      res.on('end', () => {
        const p: Probe = { status: res.statusCode ?? 0, bodyBytes };
        if (typeof res.headers.etag === 'string') p.etag = res.headers.etag;
        if (typeof res.headers['content-encoding'] === 'string') p.encoding = res.headers['content-encoding'];
        if (typeof res.headers['last-modified'] === 'string') p.lastModified = res.headers['last-modified'];
        resolve(p);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The cases a `--cases` list names: each entry picks the cases whose name starts with it (`640 B`,
 * `rotation`, `304`), so names that hold commas need not be quoted. Throws for an entry that picks none.
 */
export function pickCases(entries: string[]): HttpCase[] {
  for (const e of entries) {
    if (!httpCases.some((c) => c.name.startsWith(e))) throw new Error(`no HTTP case starts with ${JSON.stringify(e)}; cases: ${httpCases.map((c) => c.name).join('; ')}`);
  }
  return httpCases.filter((c) => entries.some((e) => c.name.startsWith(e)));
}
