import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasReusePort } from '@hotfs/node-http';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const nodes: Record<string, string> = {};
const started: ChildProcess[] = [];
let dir: string;

/** The binary of an official Node release (the npm `node` package), fetched once by npx. */
function node(major: number): string {
  return (nodes[major] ??= execFileSync('npx', ['-y', `node@${major}`, '-p', 'process.execPath'], { encoding: 'utf8', timeout: 120_000 }).trim());
}

interface Running {
  child: ChildProcess;
  output: () => string;
  port: number;
  exit: Promise<number | null>;
}

/** Starts `hotfs` on a given Node binary; resolves once it announced where it listens. */
async function hotfs(binary: string, args: string[]): Promise<Running> {
  const child = spawn(binary, [cli, '--addr', '127.0.0.1:0', '--prefix', '/', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) return { child, output: () => out, port: Number(m[1]), exit };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hotfs did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One GET on a fresh connection: status and body. It rejects only when no response began (refused,
 * or reset before a byte of it: a client may retry those); a response cut short resolves with the
 * part that came.
 */
function fetchBody(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 3_000 }, (res) => {
      const chunks: Buffer[] = [];
      const done = (): void => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    // No answer at all: given up, as a client would, and retried.
    req.on('timeout', () => req.destroy(new Error('no response within 3 s')));
  });
}

/** Resident memory of a process, in bytes (Linux). */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotfs-workers-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'index.html'), '<h1>v1</h1>');
  await writeFile(join(dir, 'sub/big.bin'), randomBytes(1024 * 1024));
  node(24);
  node(20);
}, 240_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('reusePort detection', () => {
  it('matches this Node, and says yes on Node 24 and no on Node 20', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    expect(await hasReusePort()).toBe(major > 22 || (major === 22 && minor >= 12));
    const probe = `import('${new URL('../dist/index.js', import.meta.url).href}').then(async (m) => console.log(await m.hasReusePort()))`;
    expect(execFileSync(node(24), ['-e', probe], { encoding: 'utf8' }).trim()).toBe('true');
    expect(execFileSync(node(20), ['-e', probe], { encoding: 'utf8' }).trim()).toBe('false');
  });
});

describe('serveWorkers without reusePort', () => {
  it('refuses on Node 20, saying why', () => {
    const core = new URL('../../core/dist/index.js', import.meta.url).href;
    const http = new URL('../dist/index.js', import.meta.url).href;
    const script = `const { MemFS } = await import('${core}'); const { serveWorkers } = await import('${http}');
      const mirror = await MemFS.mirror(process.argv[1], { shared: true, watch: false });
      await serveWorkers(mirror, { workers: 2, port: 0 }).then(() => console.log('served'), (err) => console.log(err.message));
      await mirror.close(); process.exit(0);`;
    const out = execFileSync(node(20), ['--input-type=module', '-e', script, dir], { encoding: 'utf8', timeout: 30_000 });
    expect(out.trim()).toBe('serveWorkers needs reusePort (Node >= 22.12); use node:cluster processes on this Node');
  });
});

describe('hotfs --workers on Node 24: threads sharing one mirror', () => {
  it('announces how it serves, answers from both workers, and serves a change from every worker', async () => {
    const run = await hotfs(node(24), ['--path', dir, '--workers', '2', '--verbose']);
    expect(run.output()).toContain('with 2 worker threads sharing one mirror');
    await until(async () => {
      expect((await fetchBody(run.port, '/')).body.toString()).toBe('<h1>v1</h1>');
      return /\[worker 1\] GET \/ 200/.test(run.output()) && /\[worker 2\] GET \/ 200/.test(run.output());
    });
    await writeFile(join(dir, 'index.html'), '<h1>v2</h1>');
    await until(async () => (await fetchBody(run.port, '/')).body.toString() === '<h1>v2</h1>', 5_000);
    const before = run.output().length;
    // Every answer from now on, whichever worker gives it, is the new version.
    for (let i = 0; i < 40; i++) expect((await fetchBody(run.port, '/')).body.toString()).toBe('<h1>v2</h1>');
    const log = run.output().slice(before);
    expect(log).toMatch(/\[worker 1\] GET/);
    expect(log).toMatch(/\[worker 2\] GET/);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    await writeFile(join(dir, 'index.html'), '<h1>v1</h1>');
  });

  it('replaces a worker thread that dies while a client keeps requesting (serveWorkers)', async () => {
    const script = fileURLToPath(new URL('./fixtures/workers-crash.mjs', import.meta.url));
    const out = execFileSync(node(24), [script, dir], { encoding: 'utf8', timeout: 60_000 });
    const seen = JSON.parse(out) as { ok: number; retried: number; failures: string[]; replaced: boolean; lines: string[] };
    expect(seen.failures).toEqual([]);
    expect(seen.replaced).toBe(true);
    expect(seen.ok).toBeGreaterThanOrEqual(90);
    expect(seen.lines).toContainEqual(expect.stringMatching(/^hotfs: worker 1 exited \(code 1\); starting another$/));
  });

  it('serves another backend with each thread opening its own', async () => {
    const run = await hotfs(node(24), ['--path', dir, '--backend', 'disk', '--workers', '2']);
    expect(run.output()).toContain('(disk backend) with 2 worker threads each with its own backend');
    expect((await fetchBody(run.port, '/sub/big.bin')).body.length).toBe(1024 * 1024);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('drains every worker on SIGTERM under load and exits 0', async () => {
    const run = await hotfs(node(24), ['--path', dir, '--workers', '2']);
    const size = 1024 * 1024;
    let ok = 0;
    let retriable = 0;
    let stopping = false;
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (!stopping) {
        try {
          const { status, body } = await fetchBody(run.port, '/sub/big.bin');
          if (status === 200 && body.length === size) ok++;
          else failures.push(`${status} ${body.length}`);
        } catch {
          // No response began (refused or reset before a byte once the listeners close): a client
          // retries those. A response cut mid-body shows as a short body above.
          retriable++;
          stopping = true;
        }
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await until(() => ok >= 30);
    run.child.kill('SIGTERM');
    const code = await run.exit;
    stopping = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    console.log(`SIGTERM under load: ${ok} complete responses, ${retriable} connections refused or reset before a response`);
    expect(code).toBe(0);
    expect(run.output()).toMatch(/shutting down[\s\S]*hotfs: stopped/);
  });

  it('holds a 200 MiB tree once: two workers stay within 1.1x of one plus a fixed cost per worker', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'hotfs-workers-mem-'));
    try {
      for (let i = 0; i < 100; i++) await writeFile(join(tree, `f${i}.bin`), randomBytes(2 * 1024 * 1024));
      const measure = async (args: string[]): Promise<number> => {
        const run = await hotfs(node(24), ['--path', tree, '--wait-for-mirror', ...args]);
        // Every file through every worker, so each has touched what it serves.
        for (let round = 0; round < 3; round++) for (let i = 0; i < 100; i++) expect((await fetchBody(run.port, `/f${i}.bin`)).body.length).toBe(2 * 1024 * 1024);
        await new Promise((r) => setTimeout(r, 500));
        const bytes = await rss(run.child.pid!);
        run.child.kill('SIGTERM');
        expect(await run.exit).toBe(0);
        return bytes;
      };
      const one = await measure([]);
      const two = await measure(['--workers', '2']);
      const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
      console.log(`rss over 200 MiB: ${mib(one)} MiB with no workers, ${mib(two)} MiB with 2 worker threads`);
      // Fixed cost per worker thread (an isolate, its heap, its HTTP server): measured ~20-40 MiB.
      expect(two).toBeLessThan(one * 1.1 + 2 * 48 * 2 ** 20);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('hotfs --workers on Node 20: node:cluster processes', () => {
  it('says so in one line, and replaces a killed worker while a client keeps requesting', async () => {
    const run = await hotfs(node(20), ['--path', dir, '--workers', '2', '--verbose']);
    expect(run.output()).toContain('with 2 processes (node:cluster: this Node has no reusePort), each with its own mirror');
    await until(() => /\[worker 1\] hotfs: mirrored/.test(run.output()) && /\[worker 2\] hotfs: mirrored/.test(run.output()));
    const children = execFileSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    expect(children).toHaveLength(2);
    let ok = 0;
    let retried = 0;
    const failures: string[] = [];
    let stop = false;
    const client = (async () => {
      while (!stop) {
        // A GET is idempotent: a connection reset by the dying worker is retried once.
        for (let attempt = 0; ; attempt++) {
          try {
            const { status } = await fetchBody(run.port, '/');
            if (status === 200) ok++;
            else failures.push(String(status));
            break;
          } catch (err) {
            if (attempt > 0) {
              failures.push(String(err));
              break;
            }
            retried++;
          }
        }
      }
    })();
    await until(() => ok >= 20);
    process.kill(children[0]!, 'SIGKILL');
    await until(() => /worker \d exited \(SIGKILL\); starting another/.test(run.output()));
    await until(
      () =>
        execFileSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n').length === 2,
    );
    const after = ok;
    await until(() => ok >= after + 50, 20_000);
    stop = true;
    await client;
    expect(failures).toEqual([]);
    console.log(`cluster: ${ok} requests, ${retried} retried once after the kill`);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  }, 60_000);

  it('holds one copy of the tree per process, as documented', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'hotfs-workers-mem-'));
    try {
      for (let i = 0; i < 50; i++) await writeFile(join(tree, `f${i}.bin`), randomBytes(2 * 1024 * 1024));
      const run = await hotfs(node(20), ['--path', tree, '--workers', '2', '--wait-for-mirror']);
      await until(() => /\[worker 1\] hotfs: mirrored/.test(run.output()) && /\[worker 2\] hotfs: mirrored/.test(run.output()), 30_000);
      const children = execFileSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number);
      const sizes = await Promise.all(children.map(rss));
      console.log(`cluster over 100 MiB: ${sizes.map((n) => `${(n / 2 ** 20).toFixed(0)} MiB`).join(' + ')} resident in the 2 processes`);
      for (const size of sizes) expect(size).toBeGreaterThan(100 * 2 ** 20);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a bad --workers value with exit 2', async () => {
    for (const bad of ['0', '-1', 'two', '1.5']) {
      const child = spawn(process.execPath, [cli, `--workers=${bad}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      expect(await new Promise((r) => child.on('exit', r))).toBe(2);
      expect(err).toContain('--workers: must be a whole number from 1 to 1024, or auto');
    }
  });
});
