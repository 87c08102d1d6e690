import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { request } from './client.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000 });
}

/** Starts the CLI and resolves once it prints the address it listens on. */
function start(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed: ${out}`)), 10_000);
    child.stdout.on('data', () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
  });
}

describe('hotfs command', () => {
  let fixture: Fixture;
  const started: ChildProcess[] = [];
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(async () => {
    // Only the processes this file started, by their PID.
    for (const c of started) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    await fixture.remove();
  });

  it('--help prints usage and exits 0; --version prints the version', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--backend <mem|disk>');
    const version = run(['--version']);
    expect([version.status, version.stdout.trim()]).toEqual([0, 'hotfs 0.1.0']);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--backend', 'tape'], /--backend must be mem or disk/],
    [['--addr', '9999'], /--addr must be host:port/],
    [['--addr', ':99999'], /invalid port/],
    [['--dotfiles', 'sometimes'], /--dotfiles must be/],
    [['--max-bytes', 'lots'], /--max-bytes must be a size/],
    [['--headers-timeout', 'soon'], /--headers-timeout must be/],
    [['--prefix', 'memfs'], /--prefix must start with/],
    [['extra'], /Unexpected argument/],
    [['--verbose', '--quiet'], /cannot be combined/],
  ])('bad flags %j exit 2 with a message on stderr', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('fails clearly when the root is missing or the backend is unavailable', () => {
    const missing = run(['--backend', 'disk', '--path', fixture.root + '/nope', '--addr', '127.0.0.1:0']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot serve root directory/);
  });

  it('serves --path under /memfs/ with verbose logging and stops cleanly on SIGTERM', async () => {
    const s = await start(['--backend', 'disk', '--path', fixture.root, '--addr', '127.0.0.1:0']);
    started.push(s.child);
    expect(s.output()).toContain(`serving ${fixture.root}`);
    const r = await request(s.port, '/memfs/hello.txt');
    expect([r.status, r.body.toString()]).toEqual([200, 'Hello, hotfs!\n']);
    expect((await request(s.port, '/memfs')).headers['location']).toBe('memfs/');
    expect((await request(s.port, '/memfs/.hidden-none')).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.output()).toContain('GET /memfs/hello.txt 200');
    process.kill(s.child.pid!, 'SIGTERM');
    expect(await exited(s.child)).toBe(0);
    expect(s.output()).toContain('shutting down');
  });

  it('finishes an in-flight response on SIGINT, honours --prefix and --quiet', async () => {
    await writeFile(join(fixture.root, 'huge.bin'), new Uint8Array(32 * 1024 * 1024));
    const s = await start(['--backend', 'disk', '--path', fixture.root, '--addr', '127.0.0.1:0', '--prefix', '/files/', '--quiet']);
    started.push(s.child);
    // A slow client: it stops reading, so the response is still being written at the signal.
    const socket = connect(s.port, '127.0.0.1');
    socket.pause();
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((resolve) => socket.on('end', resolve));
    socket.write('GET /files/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(s.child.pid!, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.child.exitCode).toBeNull();
    socket.resume();
    const resumed = Date.now();
    expect(await exited(s.child)).toBe(0);
    // The finished keep-alive connection must not hold the exit for Node's 5 s keep-alive timeout.
    expect(Date.now() - resumed).toBeLessThan(3000);
    await ended;
    const all = Buffer.concat(chunks);
    const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(all.length - head.length - 4).toBe(32 * 1024 * 1024);
    expect(s.output()).not.toContain('GET /files/huge.bin');
  });
});
