import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support.js';

const unshareWorks = spawnSync('unshare', ['-U', '-r', 'true']).status === 0;
// Required in CI; a local run without user namespaces skips it, saying so.
if (!unshareWorks && !process.env.CI) console.warn('mem-faults.test.ts: SKIPPED: `unshare -U -r true` fails here (no user namespaces); set CI=1 to make this a failure');

describe('MemFS under watcher faults', () => {
  // A user namespace has its own inotify watch limit, so this starves only the child process.
  it.skipIf(!unshareWorks && !process.env.CI)('logs ENOSPC with a hint and keeps itself right through the reconcile', async () => {
    const { dir, remove } = await tempDir();
    try {
      for (let i = 0; i < 40; i++) {
        await mkdir(join(dir, `d${i}`));
        await writeFile(join(dir, `d${i}/f.txt`), `file ${i}`);
      }
      const script = fileURLToPath(new URL('./fixtures/watch-limit.mjs', import.meta.url));
      const child = spawnSync('unshare', ['-U', '-r', 'sh', '-c', 'echo 20 > /proc/sys/user/max_inotify_watches && exec "$0" "$@"', process.execPath, script, dir], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(child.status, child.stderr).toBe(0);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { lines: string[]; late?: string; changed?: string };
      const log = result.lines.join('\n');
      expect(log).toMatch(/error hotfs: watcher error .*ENOSPC.*sysctl fs\.inotify\.max_user_watches/);
      expect(log).toMatch(/info hotfs: mirrored .*: 40 files, 41 directories/);
      expect(result.late).toBe('seen by the reconcile');
      expect(result.changed).toBe('changed');
    } finally {
      await remove();
    }
  });
});
