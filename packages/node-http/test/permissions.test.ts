// Unreadable files over HTTP: 403 with the generic body, for DiskFS and MemFS alike. Root reads
// everything, so as root the servers run in a child process as nobody; otherwise in this process.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, unprivileged, unprivilegedBlocker } from '../../../test-support/unprivileged.mjs';
import { request } from './client.js';
import { startServers } from './fixtures/permissions-server.mjs';

const script = fileURLToPath(new URL('./fixtures/permissions-server.mjs', import.meta.url));
// Where nobody cannot read the checkout, a local run skips (saying why) and CI fails.
const blocker = unprivilegedBlocker(script);
if (blocker) console.warn(`permissions.test.ts cannot run: ${blocker}`);

let ports: Record<'disk' | 'mem', number> | undefined;
let uid: number | undefined;
let stop: () => Promise<void> = async () => {};

async function forkAsNobody(): Promise<void> {
  const child: ChildProcess = fork(script, [], { ...unprivileged, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  ({ ports, uid } = await new Promise<{ ports: Record<'disk' | 'mem', number>; uid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server as nobody did not start within 20 s')), 20_000);
    child.once('message', (m: { ports: Record<'disk' | 'mem', number>; uid: number }) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`the server as nobody exited with ${code}`)));
  }));
  stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.send({ cmd: 'exit' });
    await exited;
  };
}

beforeAll(async () => {
  if (blocker) return; // the test itself fails on it in CI
  if (isRoot) return forkAsNobody();
  const started = await startServers();
  ({ ports, uid } = started);
  stop = started.stop;
});
afterAll(async () => {
  await stop();
});

describe('unreadable files and directories over HTTP', () => {
  it.skipIf(blocker !== undefined && !process.env.CI).each(['disk', 'mem'] as const)(
    '%s: 403 Forbidden for a mode-000 file and for anything inside a mode-000 directory',
    async (backend) => {
      expect(blocker, 'CI must run this permission check').toBeUndefined();
      expect(uid).not.toBe(0);
      const port = ports![backend];
      const get = async (path: string) => {
        const r = await request(port, path);
        return [r.status, r.status === 301 ? r.headers['location'] : r.body.toString()];
      };
      expect(await get('/ok.txt')).toEqual([200, 'readable\n']);
      expect(await get('/locked.txt')).toEqual([403, '403 Forbidden\n']);
      // The directory cannot be opened, so no redirect to the slash either (Go's http.FileServer alike).
      expect(await get('/lockeddir')).toEqual([403, '403 Forbidden\n']);
      expect(await get('/lockeddir/')).toEqual([403, '403 Forbidden\n']);
      expect(await get('/lockeddir/inside.txt')).toEqual([403, '403 Forbidden\n']);
      expect(await get('/lockeddir/missing.txt')).toEqual([403, '403 Forbidden\n']);
    },
  );
});
