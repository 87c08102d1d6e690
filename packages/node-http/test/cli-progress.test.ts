import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCli, tempTree } from './load-support.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// util-linux `script` gives the command a real pseudo-terminal.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('hotfs command progress while mirroring', () => {
  it.skipIf(!hasScript && !process.env.CI)('draws a progress line on a terminal, cleared before the summary', async () => {
    const { dir, remove } = await tempTree();
    try {
      for (let i = 0; i < 2000; i++) await writeFile(join(dir, `f${i}.txt`), 'x');
      // The command runs until killed; `timeout` ends it once it has started.
      const run = spawnSync('script', ['-qfec', `timeout -s INT 4 ${process.execPath} ${cli} --path ${dir} --addr 127.0.0.1:0`, '/dev/null'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.stdout).toMatch(/hotfs: mirroring… 2000 files, 0\.0 MiB/);
      // eslint-disable-next-line no-control-regex -- the progress line is redrawn with ESC [K, which is what this checks
      expect(run.stdout).toMatch(/\r\x1b\[Khotfs: mirrored .*: 2000 files/);
      expect(run.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/memfs\//);
    } finally {
      await remove();
    }
  });

  it('writes no progress line when its output is not a terminal', async () => {
    const { dir, remove } = await tempTree();
    try {
      await writeFile(join(dir, 'a.txt'), 'a');
      const server = await startCli(dir, 'mem');
      expect(await server.stop()).toBe(0);
      expect(server.output()).toMatch(/listening on/);
      expect(server.output()).not.toMatch(/mirroring…/);
    } finally {
      await remove();
    }
  });
});
