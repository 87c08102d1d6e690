import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOutput } from '../src/cli-log.js';
import { requestLogger } from '../src/index.js';
import { startCli, tempTree } from './load-support.js';

function recorder() {
  const lines: string[] = [];
  const logger = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  return { lines, logger };
}

describe('requestLogger', () => {
  it('logs every 5xx as an error with its cause, other requests only when verbose', () => {
    for (const verbose of [false, true]) {
      const { lines, logger } = recorder();
      const log = requestLogger(logger, { verbose });
      log({ method: 'GET', url: '/a', status: 200 });
      log({ method: 'GET', url: '/b', status: 404, error: new Error('ENOENT') });
      log({ method: 'GET', url: '/c', status: 503, error: Object.assign(new Error('EMFILE: too many open files'), { name: 'FsError' }) });
      log({ method: 'HEAD', url: `/${'x'.repeat(400)}`, status: 500 });
      expect(lines).toEqual([
        ...(verbose ? ['info GET /a 200', 'info GET /b 404'] : []),
        'error GET /c 503 FsError: EMFILE: too many open files',
        `error HEAD /${'x'.repeat(299)}…(401 chars) 500`,
      ]);
    }
  });
});

describe("the command's output levels", () => {
  it('quiet keeps errors only; info goes to stdout, warnings and errors to stderr; progress only on a terminal', () => {
    for (const level of ['quiet', 'normal', 'verbose'] as const) {
      const out: string[] = [];
      const err: string[] = [];
      const { logger, progress } = cliOutput(level, { write: (t: string) => out.push(t) }, { write: (t: string) => err.push(t) });
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      expect([out, err, progress]).toEqual(level === 'quiet' ? [[], ['e\n'], undefined] : [['i\n'], ['w\n', 'e\n'], undefined]);
    }
    const err: string[] = [];
    const { logger, progress } = cliOutput('normal', { write: () => {} }, { write: (t: string) => err.push(t), isTTY: true });
    progress!({ files: 3, bytes: 1048576 });
    logger.error('boom');
    expect(err).toEqual(['\rhotfs: mirroring… 3 files, 1.0 MiB\x1b[K', '\r\x1b[K', 'boom\n']);
    expect(cliOutput('quiet', { write: () => {} }, { write: () => {}, isTTY: true }).progress).toBeUndefined();
  });
});

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
