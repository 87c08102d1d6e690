import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { account, makeVersion, verify, VersionBook, type BadRead, type Stall, type Written } from '../../../test-support/versions.mjs';
import { startCli, tempTree } from './load-support.js';

const churnScript = fileURLToPath(new URL('../../../test-support/churn.mjs', import.meta.url));
const REQUESTS = 20_000;
const CONNECTIONS = 256;
const churned = Array.from({ length: 12 }, (_, i) => (i < 8 ? `/f${i}.txt` : `/sub/f${i}.txt`));
const statics = [0, 640, 1024, 64 * 1024, 1024 * 1024, 5 * 1024 * 1024].map((size) => `/static/${size}.bin`);
/**
 * The most of all checked reads that writer stalls may excuse in the MemFS run. Measured here
 * (2 cores shared, load 10-13): 0 excused of ~13,200 in each of 5 runs, with 46-67 writer stalls
 * over 10 ms. When a stall does outlast the window, the torn version lives until the next event and
 * stable read (~0.1-0.3 s); at most ~400 reads/s reach one path (20,000 requests within the writer's
 * 8 s on a fast host), so one incident costs at most ~120 bad reads, under 1% of ~13,000. A mirror
 * that took torn files as a rule (every stall) would pass it many times over.
 */
const MAX_EXCUSED_SHARE = 0.01;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** When each socket last finished a response: a failure on a reused socket says how long it idled. */
const lastUsed = new WeakMap<Socket, number>();

function get(agent: Agent, port: number, path: string, headers: Record<string, string> = {}, method = 'GET', onSocket?: (s: Socket) => void): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined;
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (socket) lastUsed.set(socket, Date.now());
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error(`aborted ${path}`)));
    });
    req.on('socket', (s: Socket) => {
      socket = s;
      onSocket?.(s);
    });
    req.on('error', (err) => {
      const idle = socket && lastUsed.has(socket) ? ` (socket idle ${Date.now() - lastUsed.get(socket)!} ms before reuse)` : ' (new socket)';
      reject(new Error(err.message + idle));
    });
    req.end();
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A 206 as received, checked against the versions the path held once the writer has said what it wrote. */
interface Slice {
  path: string;
  start: number;
  end: number;
  total: number;
  body: Buffer;
  at: number;
}

describe.each([
  // MemFS promises complete versions whatever the writer does; DiskFS can only when writers are atomic,
  // so its writer never stalls mid-write and no bad read of it can be excused (maxExcusedShare 0).
  // MemFS: a writer stalled mid-write longer than the 25 ms quiet window leaves a torn file on disk
  // that the mirror may take (see the README's "one limit"). MAX_EXCUSED_SHARE says how much of that
  // is expected at most; more means the mirror takes torn files it should not.
  { backend: 'mem', churn: 'all', maxExcusedShare: MAX_EXCUSED_SHARE },
  { backend: 'disk', churn: 'atomic', maxExcusedShare: 0 },
])('load with churn: $backend backend, $churn writes', ({ backend, churn, maxExcusedShare }) => {
  it(`answers ${REQUESTS} mixed requests on ${CONNECTIONS} keep-alive connections with complete versions only`, async () => {
    const { dir, remove } = await tempTree();
    cleanups.push(remove);
    await mkdir(join(dir, 'sub'));
    await mkdir(join(dir, 'static'));
    const book = new VersionBook();
    for (const [i, p] of churned.entries()) {
      await writeFile(join(dir, p), makeVersion(100 + i, i + 1));
      book.add(p, 100 + i, i + 1);
    }
    for (const [i, p] of statics.entries()) await writeFile(join(dir, p), makeVersion(Number(p.split('/')[2]!.split('.')[0]), 100 + i));
    const server = await startCli(dir, backend);
    cleanups.push(async () => void (await server.stop()));
    const rssBefore = server.rssBytes();

    const writer: ChildProcess = spawn(process.execPath, [churnScript, dir, '8000', '11', churn], { stdio: ['ignore', 'pipe', 'inherit'] });
    let writerOutput = '';
    writer.stdout!.on('data', (d: Buffer) => (writerOutput += d.toString()));
    const writerDone = new Promise<number | null>((resolve) => writer.on('exit', resolve));

    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const sockets = new Set<Socket>();
    const failures: string[] = [];
    const bad: BadRead[] = [];
    const slices: Slice[] = [];
    const statuses: Record<string, number> = {}; // this run's answers by status class
    let verified = 0; // complete bodies checked with verify()
    const etagOf = new Map<string, string>(); // path -> last etag seen
    let next = 0;
    const fetch = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> => {
      const reply = await get(agent, server.port, path, headers, method, (s) => sockets.add(s));
      const klass = `${String(reply.status).slice(0, 1)}xx`;
      statuses[klass] = (statuses[klass] ?? 0) + 1;
      return reply;
    };
    const check = (path: string, reply: Reply, what: string): void => {
      const length = reply.headers['content-length'];
      if (length !== undefined && Number(length) !== reply.body.length) failures.push(`${what} ${path}: Content-Length ${length}, got ${reply.body.length}`);
      if (reply.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(reply.headers['content-range']));
        if (!m) failures.push(`${what} ${path}: 206 with Content-Range ${reply.headers['content-range']}`);
        else slices.push({ path, start: Number(m[1]), end: Number(m[2]), total: Number(m[3]), body: reply.body, at: Date.now() });
        return;
      }
      if (reply.status !== 200) return;
      verified++;
      const problem = verify(reply.body);
      if (problem) bad.push({ path, problem, at: Date.now() });
      else if (reply.headers.etag) etagOf.set(path, reply.headers.etag);
    };
    const one = async (i: number): Promise<void> => {
      const kind = i % 20;
      if (kind < 8) {
        const path = churned[i % churned.length]!;
        check(path, await fetch(path), 'GET');
        return;
      }
      if (kind < 11) {
        const path = statics[i % statics.length]!;
        check(path, await fetch(path), 'GET');
        return;
      }
      if (kind < 13) {
        const path = churned[i % churned.length]!;
        const etag = etagOf.get(path);
        check(path, await fetch(path, etag ? { range: 'bytes=10-2000', 'if-range': etag } : { range: 'bytes=-300' }), 'range');
        return;
      }
      if (kind < 15) {
        const path = churned[i % churned.length]!;
        const etag = etagOf.get(path) ?? '"none"';
        const reply = await fetch(path, { 'if-none-match': etag });
        if (reply.status === 304 && reply.body.length !== 0) failures.push(`304 ${path} with a body`);
        check(path, reply, 'revalidate');
        return;
      }
      if (kind < 17) {
        const dirPath = i % 2 ? '/' : '/sub/';
        const reply = await fetch(dirPath, { accept: 'application/json' });
        if (reply.status === 200 && !Array.isArray((JSON.parse(reply.body.toString()) as { entries?: unknown }).entries)) failures.push('listing has no entries array');
        // /sub/ is briefly renamed away by the churn: 404 then is the truth.
        if (reply.status !== 200 && !(dirPath === '/sub/' && reply.status === 404)) failures.push(`listing ${dirPath} answered ${reply.status}`);
        return;
      }
      if (kind < 19) {
        const reply = await fetch(`/missing-${i}.txt`);
        if (reply.status !== 404) failures.push(`missing path answered ${reply.status}`);
        return;
      }
      const path = statics[i % statics.length]!;
      const reply = await fetch(path, {}, 'HEAD');
      if (reply.body.length !== 0) failures.push(`HEAD ${path} sent a body`);
      if (Number(reply.headers['content-length']) !== statSync(join(dir, path)).size) failures.push(`HEAD ${path}: wrong Content-Length`);
    };
    const worker = async (): Promise<void> => {
      for (let i = next++; i < REQUESTS; i = next++) {
        try {
          await one(i);
        } catch (err) {
          failures.push(`request ${i}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, () => worker()));
    const exitCode = await writerDone;
    expect(exitCode).toBe(0);
    const { stalls, counts, written } = JSON.parse(writerOutput) as { stalls: Stall[]; counts: Record<string, number>; written: Written[] };
    agent.destroy();

    // Every 206 is bytes start..end of a version its path held, of the length its Content-Range claims.
    for (const w of written) book.add(w.path, w.size, w.seed, w.at);
    const checkStart = Date.now();
    for (const slice of slices) {
      const problem = book.sliceProblem(slice.path, slice.start, slice.end, slice.total, slice.body, slice.at);
      if (problem) bad.push({ path: slice.path, problem, at: slice.at });
    }
    const reads = account(bad, stalls, verified + slices.length);
    console.log(
      `load-churn ${backend}: ${reads.summary}; ${slices.length} of them 206 slices (checked in ${Date.now() - checkStart} ms against ${written.length} versions written); answers ${JSON.stringify(statuses)}`,
    );

    expect(failures.slice(0, 30), `server said:\n${server.output().slice(-3000)}`).toEqual([]);
    expect(sockets.size).toBeGreaterThanOrEqual(CONNECTIONS);
    expect(server.exitCode()).toBeUndefined(); // never died
    expect(Object.keys(counts).length).toBeGreaterThan(0);
    expect(reads.details.slice(0, 10), reads.summary).toEqual([]);
    expect(reads.share, reads.summary).toBeLessThanOrEqual(maxExcusedShare);
    // This run's answers, not the whole file's: no 5xx, and the mix the requests ask for. 16 of every
    // 20 are for files and listings that mostly exist (81% of all answers were 2xx here in 7 runs of
    // each backend), 2 revalidate (304), and the 2 misses are 404.
    expect(statuses['5xx'] ?? 0, JSON.stringify(statuses)).toBe(0);
    expect(statuses['2xx'] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(REQUESTS * 0.7);
    expect(statuses['4xx'] ?? 0, JSON.stringify(statuses)).toBeGreaterThanOrEqual(REQUESTS / 10);
    // Enough of each kind was checked for the above to mean something.
    expect(slices.length).toBeGreaterThan(REQUESTS / 40);
    expect(verified).toBeGreaterThan(REQUESTS / 4);

    // Once the churn stops, what is served is exactly what is on disk.
    const settleAgent = new Agent({ keepAlive: true });
    const deadline = Date.now() + 10_000;
    for (const path of churned) {
      for (;;) {
        const reply = await get(settleAgent, server.port, path);
        if (reply.status === 200 && reply.body.equals(readFileSync(join(dir, path)))) break;
        if (Date.now() > deadline) throw new Error(`${path} never settled to the disk's content`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    settleAgent.destroy();
    // Bounded memory: no per-connection copies (256 x 5 MiB would be 1.3 GB).
    expect(server.rssBytes() - rssBefore).toBeLessThan(300 * 1024 * 1024);
    expect(await server.stop()).toBe(0);
  }, 120_000);
});
