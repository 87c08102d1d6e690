import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { get } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { brotliDecompressSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { request } from './client.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A `hotfs` process, its output as it comes, and waits on it that fail after a deadline. */
interface Hotfs {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  output: () => string;
  /** Resolves once the output matches; rejects after `ms`, or if the process exits first. */
  until: (pattern: RegExp, ms?: number) => Promise<RegExpExecArray>;
  /** Resolves with the exit code; after `ms` kills the process (by its PID) and rejects. */
  exit: (ms?: number) => Promise<number | null>;
}

const started: ChildProcess[] = [];

function spawnHotfs(args: string[]): Hotfs {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = (): string => out + err;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    output,
    until: (pattern, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const look = (): void => {
          const m = pattern.exec(output());
          if (!m) return;
          done();
          resolve(m);
        };
        const timer = setTimeout(() => (done(), reject(new Error(`no ${pattern} within ${ms} ms:\n${output()}`))), ms);
        const onExit = (): void => (done(), reject(new Error(`exited before ${pattern}:\n${output()}`)));
        const done = (): void => {
          clearTimeout(timer);
          child.stdout.off('data', look);
          child.stderr.off('data', look);
          child.off('exit', onExit);
        };
        child.stdout.on('data', look);
        child.stderr.on('data', look);
        child.once('exit', onExit);
        look();
      }),
    exit: (ms = 5000) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
          reject(new Error(`still running after ${ms} ms (killed):\n${output()}`));
        }, ms);
      });
      return Promise.race([exited, deadline]).finally(() => clearTimeout(timer));
    },
  };
}

/** Starts the command and resolves with its port once it prints the address it listens on. */
async function start(args: string[]): Promise<Hotfs & { port: number }> {
  const h = spawnHotfs(args);
  const m = await h.until(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  return { ...h, port: Number(m[1]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('hotfs command', () => {
  let fixture: Fixture;
  // Every run names a real root and an ephemeral port: should a bad value ever get past the checks,
  // the command would start, listen and keep running, and the deadline would fail the test.
  const base = (): string[] => ['--path', fixture.root, '--addr', '127.0.0.1:0'];
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(async () => {
    // Only the processes this file started, by their PID.
    for (const c of started) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    await fixture.remove();
  });

  it('--help prints usage and exits 0; --version prints the version', async () => {
    const help = spawnHotfs(['--help']);
    expect(await help.exit()).toBe(0);
    expect(help.stdout()).toContain('--backend <kind>');
    expect(help.stdout()).toContain('--reconcile-interval <dur>');
    for (const flag of ['--single[=<file>]', '--cors[=<origins>]', '--header-rule <rule>']) expect(help.stdout()).toContain(flag);
    const version = spawnHotfs(['--version']);
    expect([await version.exit(), version.stdout().trim()]).toEqual([0, 'hotfs 0.1.0']);
  });

  it.each([
    [['--path', ''], /^hotfs: --path: must not be empty/],
    [['--addr', '9999'], /^hotfs: --addr: must be host:port/],
    [['--addr', ':99999'], /^hotfs: --addr: has an invalid port/],
    [['--backend', 'tape'], /^hotfs: --backend: must be mem, cache, direct or disk \(got "tape"\)/],
    [['--prefix', '/a//b'], /^hotfs: --prefix: must not contain '\/\/'.*\(got "\/a\/\/b"\)/],
    [['--prefix', 'memfs'], /^hotfs: --prefix: must start with '\/'/],
    [['--prefix', '/a/../b/'], /^hotfs: --prefix: must not contain '\.' or '\.\.' segments/],
    [['--prefix'], /^hotfs: Option '--prefix <value>' argument missing/],
    [['--dotfiles', 'sometimes'], /^hotfs: --dotfiles: must be ignore, deny or allow/],
    [['--index', 'a/b'], /^hotfs: --index: "a\/b" is not a file name/],
    [['--index', 'x', '--no-index'], /^hotfs: --index and --no-index cannot be combined/],
    [['--listing', '--no-listing'], /^hotfs: --listing and --no-listing cannot be combined/],
    [['--max-age', 'soon'], /^hotfs: --max-age: must be a duration like 60, 10s/],
    [['--max-age', '1500ms'], /^hotfs: --max-age: must be a whole number of seconds/],
    [['--immutable'], /^hotfs: --immutable: needs --max-age/],
    [['--header', 'NoColon'], /^hotfs: --header: must be 'Name: value'/],
    [['--header', 'Content-Type: text/html'], /^hotfs: --header: has an invalid or reserved header name "Content-Type"/],
    [['--header', 'X-A: \x01'], /^hotfs: --header: has an invalid value for X-A/],
    [['--header-rule', 'x'], /^hotfs: --header-rule: must be '<regexp> <Name>: <value>'/],
    [['--header-rule', '( X-A: 1'], /^hotfs: --header-rule: is not a valid regular expression/],
    [['--header-rule', '\\.js$ ETag: "x"'], /^hotfs: --header-rule: has an invalid or reserved header name "ETag"/],
    [['--single', 'app.html'], /^hotfs: --single: takes its value after '=', like --single=app\.html/],
    [['--single=app.html'], /^hotfs: --single: must start with '\/'.*\(got "app\.html"\)/],
    [['--single=/a/../b.html'], /^hotfs: --single: must be a clean path/],
    [['--single', '--single=/a.html'], /^hotfs: --single and --single=… cannot be combined/],
    [['--cors=https://App.example'], /^hotfs: --cors: has an invalid origin "https:\/\/App\.example": must be written as browsers send it: https:\/\/app\.example/],
    [['--cors=https://a.example,'], /^hotfs: --cors: has an invalid origin "": must be scheme:\/\/host/],
    [['--cors=*'], /^hotfs: --cors: allows every origin when given alone/],
    [['--cors', '--header', 'Access-Control-Allow-Origin: *'], /^hotfs: --header: sets Access-Control-Allow-Origin, which --cors sets/],
    [['--cors', '--header-rule', 'x Access-Control-Max-Age: 1'], /^hotfs: --header-rule: sets Access-Control-Max-Age, which --cors sets/],
    [['--symlinks', 'sometimes'], /^hotfs: --symlinks: must be one of 'inside', 'follow', 'never'/],
    [['--backend', 'disk', '--io', 'fast'], /^hotfs: --io: must be 'sync' or 'async' \(got "fast"\)/],
    [['--io', 'async'], /^hotfs: --io: applies to --backend disk\/direct\/cache only/],
    [['--ignore', '('], /^hotfs: --ignore: is not a valid regular expression/],
    [['--backend', 'disk', '--ignore', 'x'], /^hotfs: --ignore: applies to --backend mem only/],
    [['--max-file-size', 'huge'], /^hotfs: --max-file-size: must be a size/],
    [['--max-bytes', 'lots'], /^hotfs: --max-bytes: must be a size/],
    [['--backend', 'disk', '--max-bytes', '1m'], /^hotfs: --max-bytes: applies to --backend mem\/cache only/],
    [['--settle', '5parsecs'], /^hotfs: --settle: must be a duration/],
    [['--reconcile-interval=-1'], /^hotfs: --reconcile-interval: must be a duration/],
    [['--reconcile-interval', '-1'], /^hotfs: Option '--reconcile-interval' argument is ambiguous/],
    [['--backend', 'disk', '--no-watch'], /^hotfs: --no-watch: applies to --backend mem only/],
    [['--backend', 'disk', '--live'], /^hotfs: --live: applies to --backend mem only/],
    [['--backend', 'disk', '--no-compress'], /^hotfs: --no-compress: applies to --backend mem only/],
    [['--no-compress=1'], /^hotfs: Option '--no-compress' does not take an argument/],
    [['--precompressed=yes'], /^hotfs: Option '--precompressed' does not take an argument/],
    [['--live=yes'], /^hotfs: Option '--live' does not take an argument/],
    [['--headers-timeout', 'soon'], /^hotfs: --headers-timeout: must be a duration/],
    [['--headers-timeout', '10s', '--request-timeout', '5s'], /^hotfs: --headers-timeout: must not exceed --request-timeout/],
    [['--request-timeout', '1.5s'], /^hotfs: --request-timeout: must be a duration/],
    [['--keep-alive-timeout', '30d'], /^hotfs: --keep-alive-timeout: must be at most 2147483647 ms/],
    [['--verbose', '--quiet'], /^hotfs: --verbose and --quiet cannot be combined/],
    [['--bogus'], /^hotfs: Unknown option '--bogus'/],
    [['extra'], /^hotfs: Unexpected argument 'extra'/],
  ])('%j: exit 2 at once, the flag and the problem on stderr, nothing started', async (args, message) => {
    const h = spawnHotfs([...base(), ...args]);
    expect(await h.exit(8000)).toBe(2);
    expect(h.stderr()).toMatch(message);
    expect(h.stderr()).toMatch(/Run 'hotfs --help' for usage\.\n$/);
    expect(h.stdout()).toBe('');
  });

  it('exits 1 when the root is missing or the port is taken, even after the mirror and its watcher started', async () => {
    for (const backend of ['disk', 'mem']) {
      const missing = spawnHotfs(['--backend', backend, '--path', join(fixture.root, 'nope'), '--addr', '127.0.0.1:0', '--quiet']);
      expect(await missing.exit()).toBe(1);
      expect(missing.stderr()).toMatch(/cannot serve root directory/);
    }
    const taken: NetServer = await new Promise((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (taken.address() as { port: number }).port;
      const h = spawnHotfs(['--path', fixture.root, '--addr', `127.0.0.1:${port}`, '--wait-for-mirror']);
      expect(await h.exit(8000)).toBe(1);
      expect(h.stderr()).toMatch(new RegExp(`hotfs: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      expect(h.stdout()).toMatch(/hotfs: mirrored /);
    } finally {
      taken.close();
    }
  });

  it('answers Accept-Encoding: br with brotli (MemFS computes it), and --no-compress does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-cli-br-'));
    try {
      const script = Buffer.from('export function add(a, b) { return a + b; }\n'.repeat(500));
      await writeFile(join(dir, 'app.js'), script);
      for (const flags of [[], ['--no-compress']]) {
        const s = await start(['--path', dir, '--addr', '127.0.0.1:0', '--prefix', '/', ...flags]);
        let res = await request(s.port, '/app.js', { 'Accept-Encoding': 'br, gzip' });
        // Encodings are computed in the background once the tree is in memory: poll, bounded.
        for (let i = 0; i < 200 && flags.length === 0 && res.headers['content-encoding'] !== 'br'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          res = await request(s.port, '/app.js', { 'Accept-Encoding': 'br, gzip' });
        }
        if (flags.length === 0) expect([res.headers['content-encoding'], brotliDecompressSync(res.body).equals(script)]).toEqual(['br', true]);
        else expect([res.headers['content-encoding'], res.body.equals(script)]).toEqual([undefined, true]);
        s.child.kill('SIGTERM');
        expect(await s.exit()).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('logs startup and shutdown but no requests or changes by default; --verbose logs both', async () => {
    for (const verbose of [false, true]) {
      const name = `new-${verbose}.txt`;
      const s = await start([...base(), '--settle', '20ms', ...(verbose ? ['--verbose'] : [])]);
      // It listens at once and mirrors in the background: the summary comes when memory takes over.
      expect(s.stdout()).toMatch(/^hotfs: serving .* \(mem backend\)\nhotfs: listening on /);
      await s.until(/hotfs: mirrored .* files/);
      const r = await request(s.port, '/memfs/hello.txt');
      expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
      await writeFile(join(fixture.root, name), 'new');
      if (verbose) {
        await s.until(/GET \/memfs\/hello\.txt 200\n/);
        await s.until(new RegExp(`hotfs: add /${name.replace('.', '\\.')}\\n`));
      } else {
        // The change is applied (served) before the process is stopped, so a line for it would be out.
        const deadline = Date.now() + 10_000;
        while ((await request(s.port, `/memfs/${name}`)).status !== 200) {
          expect(Date.now(), 'the change was never served').toBeLessThan(deadline);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      process.kill(s.child.pid!, 'SIGTERM');
      expect(await s.exit()).toBe(0);
      expect(s.stdout()).toMatch(/hotfs: shutting down .*\nhotfs: stopped\n$/);
      expect(s.output().includes('GET /memfs/hello.txt')).toBe(verbose);
      expect(s.output().includes(`add /${name}`)).toBe(verbose);
    }
  });

  it('--live: pages get the script, changes reach the event stream, and an open stream does not hold the shutdown', async () => {
    const s = await start([...base(), '--live', '--settle', '20ms']);
    await s.until(/hotfs: mirrored /);
    const page = await request(s.port, '/memfs/');
    expect(page.body.toString()).toContain('<script data-hotfs-live>');
    const events: string[] = [];
    const opened = new Promise<void>((resolve, reject) => {
      get({ host: '127.0.0.1', port: s.port, path: '/memfs/.hotfs/live' }, (res) => {
        res.on('data', (d: Buffer) => events.push(d.toString()));
        res.on('error', () => {});
        resolve();
      }).on('error', reject);
    });
    await opened;
    await writeFile(join(fixture.root, 'live.txt'), 'live');
    const deadline = Date.now() + 10_000;
    while (!events.join('').includes('"path":"/live.txt"')) {
      expect(Date.now(), 'no event for /live.txt').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stopping = Date.now();
    process.kill(s.child.pid!, 'SIGTERM');
    expect(await s.exit()).toBe(0);
    // Well inside the 10 s the command gives responses in flight.
    expect(Date.now() - stopping).toBeLessThan(3000);
    await rm(join(fixture.root, 'live.txt'));
  });

  it('--quiet prints nothing at all when nothing fails', async () => {
    const port = await freePort();
    const h = spawnHotfs(['--backend', 'disk', '--path', fixture.root, '--addr', `127.0.0.1:${port}`, '--quiet']);
    // No address is printed: wait for the port to answer instead (bounded).
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status === 0) {
      status = await request(port, '/memfs/hello.txt').then(
        (r) => r.status,
        () => 0,
      );
      if (status === 0) {
        expect(h.child.exitCode, h.output()).toBeNull();
        expect(Date.now(), 'port never answered').toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(status).toBe(200);
    process.kill(h.child.pid!, 'SIGTERM');
    expect(await h.exit()).toBe(0);
    expect(h.output()).toBe('');
  });

  it('answers at once, from the disk while the mirror loads, and says when memory takes over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-cli-loading-'));
    try {
      // Enough files that the first walk outlasts the watcher's start by seconds here.
      for (let d = 0; d < 200; d++) {
        await mkdir(join(dir, `d${d}`));
        await Promise.all(Array.from({ length: 100 }, (_, f) => writeFile(join(dir, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`)));
      }
      const s = await start(['--path', dir, '--addr', '127.0.0.1:0']);
      await s.until(/hotfs: mirroring in the background; until it is done, answers come from the disk\n/);
      const r = await request(s.port, '/memfs/d199/f99.txt');
      expect([r.status, r.body.toString()]).toEqual([200, 'file 199/99\n']);
      expect(s.stdout()).not.toMatch(/hotfs: mirrored /);
      await s.until(/hotfs: mirrored .*: 20000 files/, 60_000);
      expect((await request(s.port, '/memfs/d0/f0.txt')).body.toString()).toBe('file 0/0\n');
      process.kill(s.child.pid!, 'SIGTERM');
      expect(await s.exit(8000)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('serves a .zip archive, and several --path as one overlay (the first wins); SIGTERM closes every layer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotfs-cli-layers-'));
    try {
      const archive = join(dir, 'site.zip');
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from('from the zip\n'), 'zipped.txt');
      zip.addBuffer(Buffer.from('hidden by the upper layer\n'), 'hello.txt');
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(archive));
      const upper = join(dir, 'upper');
      await mkdir(upper);
      await writeFile(join(upper, 'hello.txt'), 'upper hello\n');
      const s = await start(['--path', upper, '--path', archive, ...base()]);
      expect(s.stdout()).toContain(`serving ${upper} over ${archive} over ${fixture.root} (overlay`);
      const body = async (path: string) => (await request(s.port, `/memfs/${path}`)).body.toString();
      expect(await body('hello.txt')).toBe('upper hello\n');
      expect(await body('zipped.txt')).toBe('from the zip\n');
      expect(await body('docs/guide/deep.md')).toBe(await readFile(join(fixture.root, 'docs/guide/deep.md'), 'utf8'));
      process.kill(s.child.pid!, 'SIGTERM');
      // The mirror's watcher is a layer too: left open, it would keep the process alive.
      expect(await s.exit(8000)).toBe(0);

      const alone = await start(['--path', archive, '--addr', '127.0.0.1:0', '--backend', 'disk']);
      expect((await request(alone.port, '/memfs/zipped.txt')).body.toString()).toBe('from the zip\n');
      process.kill(alone.child.pid!, 'SIGTERM');
      expect(await alone.exit(8000)).toBe(0);

      await writeFile(join(dir, 'broken.zip'), 'not a zip at all');
      const broken = spawnHotfs(['--path', join(dir, 'broken.zip'), '--addr', '127.0.0.1:0']);
      expect(await broken.exit()).toBe(1);
      expect(broken.stderr()).toMatch(/broken\.zip/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('--single, --cors and --header-rule reach the handler', async () => {
    const s = await start(['--backend', 'disk', ...base(), '--single=/docs/index.html', '--cors=https://app.example', '--header-rule', '\\.html$ Cache-Control: no-cache']);
    const page = await request(s.port, '/memfs/some/route', { accept: 'text/html', origin: 'https://app.example' });
    expect([page.status, page.headers['cache-control'], page.headers['access-control-allow-origin'], page.body.toString()]).toEqual([
      200,
      'no-cache',
      'https://app.example',
      await readFile(join(fixture.root, 'docs/index.html'), 'utf8'),
    ]);
    expect((await request(s.port, '/memfs/missing.js')).status).toBe(404);
    const pre = await request(s.port, '/memfs/hello.txt', { origin: 'https://app.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
    expect([pre.status, pre.headers['access-control-allow-methods']]).toEqual([204, 'GET, HEAD']);
    process.kill(s.child.pid!, 'SIGTERM');
    expect(await s.exit()).toBe(0);
  });

  it('finishes an in-flight response on SIGINT and honours --prefix', async () => {
    await writeFile(join(fixture.root, 'huge.bin'), new Uint8Array(32 * 1024 * 1024));
    const s = await start(['--backend', 'disk', ...base(), '--prefix', '/files/']);
    // A slow client: it stops reading after the first chunk, so the response is still being written at the signal.
    const socket = connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const first = new Promise<void>((resolve) =>
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        if (chunks.length === 1) {
          socket.pause();
          resolve();
        }
      }),
    );
    const ended = new Promise((resolve) => socket.on('end', resolve));
    socket.write('GET /files/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await first;
    process.kill(s.child.pid!, 'SIGINT');
    await s.until(/hotfs: shutting down/);
    expect(s.child.exitCode).toBeNull();
    socket.resume();
    const resumed = Date.now();
    expect(await s.exit(10_000)).toBe(0);
    // The finished keep-alive connection must not hold the exit for the keep-alive timeout.
    expect(Date.now() - resumed).toBeLessThan(3000);
    await ended;
    const all = Buffer.concat(chunks);
    const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(all.length - head.length - 4).toBe(32 * 1024 * 1024);
    expect(s.output()).not.toContain('GET /files/huge.bin');
  });
});
