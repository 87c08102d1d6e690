import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { mirrorsDisk, tempDir } from './support.js';

// A writer that never lets the tree rest: 40 files rewritten round robin, one every millisecond,
// until it is killed or its time is up. Every rewrite is a watcher event the mirror queues; each
// file then holds still for ~40 ms, past the mirror's quiet window, so new versions do get taken.
const WRITER = `
const { writeFileSync } = require('node:fs');
const [dir, ms] = process.argv.slice(1);
const end = Date.now() + Number(ms);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; Date.now() < end; i++) {
  writeFileSync(dir + '/f' + (i % 40) + '.txt', 'version ' + i);
  if (i === 40) process.stdout.write('writing');
  Atomics.wait(pause, 0, 0, 1);
}
`;
const WRITER_MS = 30_000;

describe('MemFS under a flood of changes', () => {
  it('starts, and answers rescan(), while the flood goes on; then settles exact', async () => {
    const { dir, remove } = await tempDir();
    await writeFile(join(dir, 'seed.txt'), 'seed');
    const writer = spawn(process.execPath, ['-e', WRITER, dir, String(WRITER_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    try {
      await new Promise((resolve) => writer.stdout.once('data', resolve));
      const fs = await MemFS.mirror(dir, { reconcileIntervalMs: 0 });
      try {
        // Not vacuous: the watcher's events are flowing into the queue.
        await new Promise((resolve) => fs.once('change', resolve));
        // The start and each rescan wait for their own walk, never for the events that keep coming.
        expect(writer.exitCode, 'mirror() waited for the writer to stop').toBeNull();
        for (let i = 0; i < 3; i++) {
          await fs.rescan();
          expect(writer.exitCode, `rescan() ${i + 1} waited for the writer to stop`).toBeNull();
        }
        writer.kill();
        await exited;
        await mirrorsDisk(fs, dir, expect, 10_000);
      } finally {
        await fs.close();
      }
    } finally {
      writer.kill();
      await exited;
      await remove();
    }
  }, 60_000);
});
