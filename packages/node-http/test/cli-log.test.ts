import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, tempTree } from './load-support.js';

describe('hotfs command logs', () => {
  it('never echoes a hostile target in full, and reports internal causes only for 5xx', async () => {
    const { dir, remove } = await tempTree();
    try {
      await writeFile(join(dir, 'a.txt'), 'a');
      for (const verbose of [false, true]) {
        const server = await startCli(dir, 'disk', verbose ? ['--verbose'] : []);
        const long = `/${'x'.repeat(10_000)}`;
        expect((await fetch(`http://127.0.0.1:${server.port}${long}`)).status).toBe(404);
        expect((await fetch(`http://127.0.0.1:${server.port}/missing.txt`)).status).toBe(404);
        expect((await fetch(`http://127.0.0.1:${server.port}/a.txt`)).status).toBe(200);
        expect(await server.stop()).toBe(0);
        const lines = server.output().split('\n');
        expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
        expect(server.output()).not.toMatch(/ENOENT|FsError/);
        if (verbose) expect(server.output()).toMatch(/GET \/x{299}…\(10001 chars\) 404/);
      }
    } finally {
      await remove();
    }
  });
});
