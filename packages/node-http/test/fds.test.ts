import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempTree } from './load-support.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** GET that resolves to the status, or to the error's message when the connection failed. */
function status(agent: Agent, port: number, path: string, slow = false): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      // A slow reader keeps the server's file open for the length of its download.
      if (slow) res.pause();
      setTimeout(() => res.resume(), slow ? 1500 : 0);
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
}

describe('too few file descriptors (the hotfs command under ulimit -n)', () => {
  it('answers 503 for the requests it cannot open a file for, never crashes, and recovers', async () => {
    const { dir, remove } = await tempTree();
    try {
      for (let i = 0; i < 40; i++) await writeFile(join(dir, `f${i}.bin`), Buffer.alloc(8 * 1024 * 1024, i));
      const child = spawn('sh', ['-c', 'ulimit -n 48 && exec "$0" "$@"', process.execPath, cli, '--path', dir, '--backend', 'disk', '--addr', '127.0.0.1:0', '--prefix', '/'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      let exit: number | null | undefined;
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r((exit = code))));
      for (let i = 0; i < 300 && !/listening on http:\/\/[^:]+:(\d+)/.test(output); i++) await new Promise((r) => setTimeout(r, 20));
      const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(output)![1]);

      // Connections first, while descriptors are free: with none left even accept() fails and a reset
      // is all a server can send. Files are what this test starves.
      const agent = new Agent({ keepAlive: true, maxSockets: 24 });
      expect(await Promise.all(Array.from({ length: 24 }, () => status(agent, port, '/missing')))).toEqual(Array(24).fill(404));
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(24);
      // 24 connections, each holding a file open while it reads slowly: more than the descriptors left.
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => status(agent, port, `/f${i}.bin`, true)));
      const counts: Record<string, number> = {};
      for (const r of results) counts[String(r)] = (counts[String(r)] ?? 0) + 1;
      expect(counts['503'], JSON.stringify(counts)).toBeGreaterThan(0);
      expect(
        Object.keys(counts).every((k) => k === '200' || k === '503'),
        JSON.stringify(counts),
      ).toBe(true);
      expect(output).toMatch(/503 FsError: EMFILE/);
      expect(output).not.toMatch(/^\s+at /m); // errors are reported in one line, never as a stack trace
      agent.destroy();

      // Descriptors freed: every file is served again.
      const after = new Agent({ keepAlive: true, maxSockets: 4 });
      const again = await Promise.all(Array.from({ length: 8 }, (_, i) => status(after, port, `/f${i}.bin`)));
      expect(again).toEqual(Array(8).fill(200));
      after.destroy();
      expect(exit).toBeUndefined();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await remove();
    }
  }, 60_000);
});
