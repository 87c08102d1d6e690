import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putObjects, startS3rver, type S3rver } from '../../s3/test/support/s3rver.js';
import { spawnHotfs, startHotfs, type HotfsProcess } from './hotfs-process.js';

/** The SDK's environment for s3rver (its fixed credentials), without the endpoint. */
const sdkEnv = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_S3: undefined };

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

describe('hotfs --path s3://bucket/prefix', () => {
  let s3: S3rver;
  let client: ReturnType<S3rver['client']>;
  let dir: string;
  const running: HotfsProcess[] = [];
  const serve = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const h = await startHotfs(['--addr', '127.0.0.1:0', '--prefix', '/', ...args], { ...sdkEnv, ...env });
    running.push(h);
    return h;
  };
  beforeAll(async () => {
    [s3, dir] = await Promise.all([startS3rver(), mkdtemp(join(tmpdir(), 'hotfs-cli-s3-'))]);
    client = s3.client();
    await putObjects(client, 'bucket', { 'site/index.html': '<h1>s3</h1>', 'site/a.txt': 'a1', 'outside.txt': 'no' });
    await writeFile(join(dir, 'local.txt'), 'local');
  });
  afterAll(async () => {
    for (const h of running) h.kill();
    client?.destroy();
    await Promise.all([s3?.remove(), dir && rm(dir, { recursive: true, force: true })]);
  });

  it.each([
    ['mem', /serving s3:\/\/bucket\/site\/ \(mem backend: a mirror in memory, reconciled with S3 every 15 s\)/],
    ['cache', /serving s3:\/\/bucket\/site\/ \(cache backend: up to 256 MiB held, revalidated after 15 s\)/],
    ['direct', /serving s3:\/\/bucket\/site\/ \(direct backend: every request goes to S3\)/],
  ])('--backend %s serves an object, and nothing outside the prefix', async (backend, line) => {
    const h = await serve(['--path', 's3://bucket/site', '--backend', backend, '--s3-endpoint', s3.endpoint]);
    expect(h.output()).toMatch(line);
    expect(await get(h.port, '/a.txt')).toEqual({ status: 200, body: 'a1' });
    expect(await get(h.port, '/')).toEqual({ status: 200, body: '<h1>s3</h1>' });
    expect((await get(h.port, '/outside.txt')).status).toBe(404);
    expect((await get(h.port, '/%2e%2e/outside.txt')).body).not.toBe('no');
    h.kill();
  });

  it('takes the endpoint from AWS_ENDPOINT_URL, and overlays an s3:// path on a directory', async () => {
    const h = await serve(['--path', 's3://bucket/site/', '--path', dir, '--backend', 'cache'], { AWS_ENDPOINT_URL: s3.endpoint });
    expect(h.output()).toContain(`serving s3://bucket/site/ over ${dir} (overlay`);
    expect(await get(h.port, '/a.txt')).toEqual({ status: 200, body: 'a1' });
    expect(await get(h.port, '/local.txt')).toEqual({ status: 200, body: 'local' });
    h.kill();
  });

  it('--backend mem picks up a changed object within the reconcile interval + 1 s', async () => {
    const h = await serve(['--path', 's3://bucket/site', '--reconcile-interval', '500ms', '--s3-endpoint', s3.endpoint]);
    expect(await get(h.port, '/a.txt')).toEqual({ status: 200, body: 'a1' });
    await putObjects(client, 'bucket', { 'site/a.txt': 'a2', 'site/new.txt': 'new' });
    const start = performance.now();
    while ((await get(h.port, '/new.txt')).status !== 200 || (await get(h.port, '/a.txt')).body !== 'a2') {
      expect(performance.now() - start).toBeLessThan(1500);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await putObjects(client, 'bucket', { 'site/a.txt': 'a1' });
    h.kill();
  });

  it('loads the AWS SDK only for an s3:// path (its Node 20 notice is the witness)', async () => {
    const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined };
    const local = await serve(['--path', dir], env);
    const s3Served = await serve(['--path', 's3://bucket/site', '--backend', 'direct', '--s3-endpoint', s3.endpoint], env);
    expect((await get(local.port, '/local.txt')).status).toBe(200);
    expect((await get(s3Served.port, '/a.txt')).status).toBe(200);
    if (Number(process.versions.node.split('.')[0]) < 22) expect(s3Served.output()).toMatch(/AWS SDK/i);
    expect(local.output()).not.toMatch(/AWS|SDK/i);
    local.kill();
    s3Served.kill();
  });

  it.each([
    [['--path', 's3://'], /^hotfs: --path: s3:\/\/ needs a bucket/],
    [['--path', 's3:///site'], /^hotfs: --path: s3:\/\/ needs a bucket/],
    [['--path', 's3://bucket/a//b'], /^hotfs: --path: the prefix after the bucket must be clean/],
    [['--path', 's3://bucket', '--s3-endpoint', 'not a url'], /^hotfs: --s3-endpoint: must be a URL/],
    [['--path', 's3://bucket', '--s3-endpoint', 'ftp://127.0.0.1'], /^hotfs: --s3-endpoint: must be an http/],
    [['--path', '.', '--s3-endpoint', 'http://127.0.0.1:9000'], /^hotfs: --s3-endpoint: applies to an s3:\/\/ --path only/],
    [['--path', 's3://bucket', '--backend', 'disk'], /^hotfs: --backend: disk has no meaning for an s3:\/\/ path/],
    [['--path', 's3://bucket', '--symlinks', 'never'], /^hotfs: --symlinks: applies to a directory, and every --path is s3:\/\//],
    [['--path', 's3://bucket', '--no-watch'], /^hotfs: --no-watch: applies to a directory/],
    [['--path', 's3://bucket', '--settle', '1s'], /^hotfs: --settle: applies to a directory/],
    [['--path', 's3://bucket', '--backend', 'direct', '--io', 'async'], /^hotfs: --io: applies to a directory/],
    [['--path', 's3://bucket', '--backend', 'direct', '--max-bytes', '1m'], /^hotfs: --max-bytes: applies to --backend mem\/cache only/],
    [['--path', 's3://bucket', '--cache-max-age', '1s'], /^hotfs: --cache-max-age: applies to --backend cache only/],
    [['--path', 's3://bucket', '--backend', 'cache', '--cache-max-age', 'soon'], /^hotfs: --cache-max-age: must be a duration/],
    [['--path', 's3://bucket', '--backend', 'cache', '--max-bytes', '1k', '--max-file-size', '2k'], /^hotfs: --max-file-size: must be an integer from 0 to/],
  ])('%j exits 2 at once, naming the flag', async (args, message) => {
    const h = spawnHotfs(['--addr', '127.0.0.1:0', ...args], sdkEnv);
    running.push(h);
    expect(await h.exit(3000)).toBe(2);
    expect(h.output()).toMatch(message);
  });
});
