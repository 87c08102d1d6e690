import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unprivileged, unprivilegedBlocker } from '../../../test-support/unprivileged.mjs';

const script = fileURLToPath(new URL('./fixtures/permissions.mjs', import.meta.url));
// As root the check runs as 'nobody', who must be able to read this checkout to load the code;
// where it cannot, a local run skips (saying why) and CI fails.
const blocker = unprivilegedBlocker(script);
if (blocker) console.warn(`permissions.test.ts cannot run: ${blocker}`);

describe('permission-denied files and directories (as a non-root user)', () => {
  it.skipIf(blocker !== undefined && !process.env.CI)('DiskFS and MemFS answer EACCES alike, and the mirror neither hangs nor crashes', () => {
    expect(blocker, 'CI must run this permission check').toBeUndefined();
    const child = spawnSync(process.execPath, [script], { ...unprivileged, encoding: 'utf8', timeout: 20_000 });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as { uid: number; disk: Record<string, unknown>; mem: Record<string, unknown>; warnings: string[] };
    expect(result.uid).not.toBe(0);
    expect(result.disk).toEqual({
      openLocked: 'EACCES',
      statLocked: 'ok',
      openLockedDir: 'EACCES',
      readdirLockedDir: 'EACCES',
      statLockedDir: 'ok',
      statInside: 'EACCES',
      openOk: 'ok',
      root: ['locked.txt', 'lockeddir', 'ok.txt'],
    });
    expect(result.mem).toEqual(result.disk);
    expect(result.warnings.join('\n')).toMatch(/cannot read \/locked\.txt \(EACCES\)/);
  });
});
