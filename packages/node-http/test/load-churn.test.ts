import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { explains, makeVersion, verify, type BadRead, type Stall } from '../../../test-support/versions.mjs';
import { startCli, tempTree } from './load-support.js';

const churnScript = fileURLToPath(new URL('../../../test-support/churn.mjs', import.meta.url));
const REQUESTS = 20_000;
const CONNECTIONS = 256;
const churned = Array.from({ length: 12 }, (_, i) => (i < 8 ? `/f${i}.txt` : `/sub/f${i}.txt`));
const statics = [0, 640, 1024, 64 * 1024, 1024 * 1024, 5 * 1024 * 1024].map((size) => `/static/${size}.bin`);

/** Every status class the clients saw, across the whole file. */
const seenStatuses: Record<string, number> = {};

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
        const klass = `${String(res.statusCode).slice(0, 1)}xx`;
        seenStatuses[klass] = (seenStatuses[klass] ?? 0) + 1;
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

describe.each([
  // MemFS promises complete versions whatever the writer does; DiskFS can only when writers are atomic.
  { backend: 'mem', churn: 'all' },
  { backend: 'disk', churn: 'atomic' },
])('load with churn: $backend backend, $churn writes', ({ backend, churn }) => {
  it(`answers ${REQUESTS} mixed requests on ${CONNECTIONS} keep-alive connections with complete versions only`, async () => {
    const { dir, remove } = await tempTree();
    cleanups.push(remove);
    await mkdir(join(dir, 'sub'));
    await mkdir(join(dir, 'static'));
    for (const [i, p] of churned.entries()) await writeFile(join(dir, p), makeVersion(100 + i, i + 1));
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
    const versions = new Map<string, Buffer>(); // etag -> the complete version it names
    const etagOf = new Map<string, string>(); // path -> last etag seen
    let next = 0;
    const check = (path: string, reply: Reply, what: string): void => {
      const length = reply.headers['content-length'];
      if (length !== undefined && Number(length) !== reply.body.length) failures.push(`${what} ${path}: Content-Length ${length}, got ${reply.body.length}`);
      if (reply.status !== 200) return;
      const problem = verify(reply.body);
      if (problem) bad.push({ path, problem, at: Date.now() });
      else if (reply.headers.etag) {
        versions.set(reply.headers.etag, reply.body);
        etagOf.set(path, reply.headers.etag);
      }
    };
    const one = async (i: number): Promise<void> => {
      const kind = i % 20;
      const onSocket = (s: Socket) => sockets.add(s);
      if (kind < 8) {
        const path = churned[i % churned.length]!;
        check(path, await get(agent, server.port, path, {}, 'GET', onSocket), 'GET');
        return;
      }
      if (kind < 11) {
        const path = statics[i % statics.length]!;
        check(path, await get(agent, server.port, path, {}, 'GET', onSocket), 'GET');
        return;
      }
      if (kind < 13) {
        const path = churned[i % churned.length]!;
        const etag = etagOf.get(path);
        const reply = await get(agent, server.port, path, etag ? { range: 'bytes=10-2000', 'if-range': etag } : { range: 'bytes=-300' }, 'GET', onSocket);
        if (reply.status === 206) {
          const [, start, end, total] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(reply.headers['content-range']))!.map(Number);
          const version = reply.headers.etag ? versions.get(reply.headers.etag) : undefined;
          if (version && (version.length !== total || !version.subarray(start, end! + 1).equals(reply.body))) failures.push(`206 ${path}: slice ${start}-${end} is not from version ${reply.headers.etag}`);
          if (reply.body.length !== end! - start! + 1) failures.push(`206 ${path}: ${reply.body.length} bytes for ${start}-${end}`);
        } else check(path, reply, 'range');
        return;
      }
      if (kind < 15) {
        const path = churned[i % churned.length]!;
        const etag = etagOf.get(path) ?? '"none"';
        const reply = await get(agent, server.port, path, { 'if-none-match': etag }, 'GET', onSocket);
        if (reply.status === 304 && reply.body.length !== 0) failures.push(`304 ${path} with a body`);
        check(path, reply, 'revalidate');
        return;
      }
      if (kind < 17) {
        const dirPath = i % 2 ? '/' : '/sub/';
        const reply = await get(agent, server.port, dirPath, { accept: 'application/json' }, 'GET', onSocket);
        if (reply.status === 200 && !Array.isArray((JSON.parse(reply.body.toString()) as { entries?: unknown }).entries)) failures.push('listing has no entries array');
        // /sub/ is briefly renamed away by the churn: 404 then is the truth.
        if (reply.status !== 200 && !(dirPath === '/sub/' && reply.status === 404)) failures.push(`listing ${dirPath} answered ${reply.status}`);
        return;
      }
      if (kind < 19) {
        const reply = await get(agent, server.port, `/missing-${i}.txt`, {}, 'GET', onSocket);
        if (reply.status !== 404) failures.push(`missing path answered ${reply.status}`);
        return;
      }
      const path = statics[i % statics.length]!;
      const reply = await get(agent, server.port, path, {}, 'HEAD', onSocket);
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
    const { stalls, counts } = JSON.parse(writerOutput) as { stalls: Stall[]; counts: Record<string, number> };
    agent.destroy();

    expect(failures.slice(0, 30), `server said:\n${server.output().slice(-3000)}`).toEqual([]);
    expect(sockets.size).toBeGreaterThanOrEqual(CONNECTIONS);
    expect(server.exitCode()).toBeUndefined(); // never died
    expect(Object.keys(counts).length).toBeGreaterThan(0);
    const unexplained = bad.filter((b) => !stalls.some((s) => explains(s, b)));
    expect(unexplained.slice(0, 10).map((b) => `${b.path}: ${b.problem}`)).toEqual([]);
    expect(seenStatuses['5xx'] ?? 0).toBe(0);
    expect(seenStatuses['2xx']).toBeGreaterThan(REQUESTS / 2);

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
