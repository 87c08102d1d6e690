import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putObjects, startS3rver, type S3rver } from '../../s3/test/support/s3rver.js';
import { startHotfs, type HotfsProcess } from './hotfs-process.js';

const NGINX = '/usr/sbin/nginx';
const hasNginx = existsSync(NGINX);
// CI installs nginx (.ci/run): there a missing one fails the test instead of skipping it.
if (!hasNginx && !process.env.CI) console.log(`replicas.test.ts: skipped, ${NGINX} is not installed (apt-get install nginx; CI always runs it)`);

const sdkEnv = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string, agent: Agent | false = false): Promise<{ status: number; body: string; etag: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), etag: res.headers.etag }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** The tested nginx configuration: the README's snippet, plus what a throwaway instance in a temp dir needs. */
function nginxConfig(dir: string, port: number, replicas: number[]): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream hotfs {
${replicas.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://hotfs;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 1s;
      proxy_read_timeout 5s;
      # Another replica answers when one is down, restarting or failing (for GET and HEAD only).
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`;
}

describe.skipIf(!hasNginx && !process.env.CI)('two hotfs replicas over one bucket, behind nginx', () => {
  let s3: S3rver;
  let dir: string;
  let nginx: ChildProcess | undefined;
  let port: number;
  const replicas: (HotfsProcess & { port: number })[] = [];
  beforeAll(async () => {
    [s3, dir] = await Promise.all([startS3rver(), mkdtemp(join(tmpdir(), 'hotfs-replicas-'))]);
    const client = s3.client();
    await putObjects(client, 'bucket', { 'index.html': '<h1>v1</h1>', 'a.txt': 'a1' });
    client.destroy();
    const args = ['--path', 's3://bucket', '--backend', 'mem', '--reconcile-interval', '500ms', '--s3-endpoint', s3.endpoint, '--prefix', '/', '--addr', '127.0.0.1:0'];
    replicas.push(...(await Promise.all([startHotfs(args, sdkEnv), startHotfs(args, sdkEnv)])));
    port = await freePort();
    await mkdir(join(dir, 'tmp'));
    await writeFile(
      join(dir, 'nginx.conf'),
      nginxConfig(
        dir,
        port,
        replicas.map((r) => r.port),
      ),
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const up = await get(port, '/a.txt').then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start:\n${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    // Everything by its PID, whatever happened.
    for (const r of replicas) r.kill();
    if (nginx?.pid !== undefined && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = once(nginx, 'exit');
      process.kill(nginx.pid, 'SIGKILL');
      await exited;
    }
    await s3?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a change in the bucket is served by both replicas within the reconcile interval + 1 s, with the same ETag', async () => {
    const client = s3.client();
    await putObjects(client, 'bucket', { 'a.txt': 'a2' });
    client.destroy();
    const start = performance.now();
    for (const replica of replicas) {
      while ((await get(replica.port, '/a.txt')).body !== 'a2') {
        expect(performance.now() - start).toBeLessThan(1500);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    const [one, two] = await Promise.all(replicas.map((r) => get(r.port, '/a.txt')));
    expect(one!.etag).toBeDefined();
    expect(one!.etag).toBe(two!.etag);
  });

  it('one replica killed during 5,000 requests through nginx costs no failed request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const total = 5000;
    let sent = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (sent < total) {
        const n = ++sent;
        // The kill lands while requests are in flight on both replicas.
        if (n === 1000) replicas[0]!.kill();
        try {
          const { status, body } = await get(port, n % 2 ? '/a.txt' : '/', agent);
          if (status !== 200 || body === '') failures.push(`#${n}: ${status}`);
        } catch (err) {
          failures.push(`#${n}: ${(err as Error).message}`);
        }
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: 8 }, worker));
    agent.destroy();
    expect(replicas[0]!.child.signalCode).toBe('SIGKILL');
    expect(failures.slice(0, 10)).toEqual([]);
    expect(performance.now() - start).toBeLessThan(30_000);
  });
});
