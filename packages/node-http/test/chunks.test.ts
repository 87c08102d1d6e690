/**
 * Streaming through reused chunks: a chunk may be read into again only once the socket is done with
 * it. Concurrent readers of different files over DiskFS (which has no zero-copy `bytes()` for large
 * files) that read nothing at first fill the kernel's socket buffers, so the server's writes queue
 * chunks in Node; a chunk reused too early would put one file's bytes into another's body.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS } from '@hotfs/core';
import { CHUNK_SIZE, giveBack, takeChunk } from '../src/chunks.js';
import { createHandler } from '../src/index.js';
import { close, listen } from './client.js';

const dir = mkdtempSync(join(tmpdir(), 'hotfs-chunks-'));
const MiB = 1024 * 1024;

/** Bytes no two files share at any offset: a word per 4 bytes from a per-file xorshift generator. */
function content(seed: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  return buf;
}

// Larger than a stalled connection's kernel buffers (a send buffer grows to 4 MiB here; an unread
// receive buffer stays small), and off the chunk grid, so the last read of each file is partial.
const files = [1, 2, 3, 4].map((seed) => ({ path: `/f${seed}.bin`, bytes: content(seed * 7919, 8 * MiB + seed * 1000 + 3) }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Awaited<ReturnType<typeof listen>>['server'];
let port: number;
beforeAll(async () => {
  for (const f of files) writeFileSync(join(dir, f.path), f.bytes);
  ({ server, port } = await listen(createHandler(new DiskFS(dir))));
});
afterAll(async () => {
  await close(server);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * GET over one connection that reads nothing for its first 300 ms, so the server's writes back up
 * into Node's queue, then reads everything.
 */
function slowGet(path: string, headers = ''): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${path}: no complete response within 20 s`)), 20_000);
    socket.pause();
    setTimeout(() => socket.resume(), 300);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      clearTimeout(timer);
      const all = Buffer.concat(got);
      const headEnd = all.indexOf('\r\n\r\n');
      resolve({ status: Number(all.subarray(9, 12).toString()), body: all.subarray(headEnd + 4) });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`);
  });
}

describe('streaming through reused chunks', () => {
  it('8 concurrent stalled readers of 4 files each get exactly their own file', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => slowGet(files[i % 4]!.path)));
    results.forEach((r, i) => {
      const f = files[i % 4]!;
      expect(r.status, f.path).toBe(200);
      expect(r.body.length, f.path).toBe(f.bytes.length);
      // A hash, not toEqual: an 8 MiB diff would drown the report.
      expect(sha(r.body), `${f.path}, reader ${i}`).toBe(sha(f.bytes));
    });
  });

  it('ranges across chunk boundaries, and multipart ranges, while other streams run', async () => {
    const f = files[2]!;
    const [a, b] = [CHUNK_SIZE - 5, 2 * CHUNK_SIZE + 17];
    const load = Promise.all(files.map((g) => slowGet(g.path)));
    const single = await slowGet(f.path, `Range: bytes=${a}-${b}\r\n`);
    expect(single.status).toBe(206);
    expect(sha(single.body)).toBe(sha(f.bytes.subarray(a, b + 1)));
    const multi = await slowGet(f.path, `Range: bytes=0-9,${a}-${b}\r\n`);
    expect(multi.status).toBe(206);
    // Each part's bytes appear whole between the multipart headers.
    expect(multi.body.includes(f.bytes.subarray(a, b + 1))).toBe(true);
    expect(multi.body.includes(f.bytes.subarray(0, 10))).toBe(true);
    for (const [i, r] of (await load).entries()) expect(sha(r.body), files[i]!.path).toBe(sha(files[i]!.bytes));
  });
});

describe('the chunk pool', () => {
  it('hands a given-back chunk out again, keeps at most a few, and never keeps a short buffer', () => {
    const taken = Array.from({ length: 10 }, () => takeChunk(CHUNK_SIZE));
    expect(taken.every((c) => c.length === CHUNK_SIZE)).toBe(true);
    for (const c of taken) giveBack(c);
    const again = Array.from({ length: 10 }, () => takeChunk(CHUNK_SIZE));
    const reused = again.filter((c) => taken.includes(c));
    // Some come back (the free list), not all (it is bounded).
    expect(reused.length).toBeGreaterThan(0);
    expect(reused.length).toBeLessThan(10);
    for (const c of again) giveBack(c);
    // Less than a chunk wanted, none free: a buffer of that size, which is not kept.
    const pooled = Array.from({ length: 10 }, () => takeChunk(CHUNK_SIZE));
    const small = takeChunk(1000);
    expect(small.length).toBe(1000);
    giveBack(small);
    expect(takeChunk(1000)).not.toBe(small);
    for (const c of pooled) giveBack(c);
    // A chunk is free again: even a small want gets the full reused chunk.
    expect(takeChunk(1000).length).toBe(CHUNK_SIZE);
  });
});
