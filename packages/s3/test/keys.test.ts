import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFsError, readFile, type FileInfo } from '@hotfs/core';
import { patternBytes } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { startScriptedS3, type ScriptedS3 } from './support/scripted-s3.js';
import { putObjects, startS3rver, type S3rver } from './support/s3rver.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const names = (infos: FileInfo[]) => infos.map((i) => (i.isDirectory ? i.name + '/' : i.name));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  );
async function collect(fs: S3FS, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of fs.walk(path)) out.push(entry.info.isDirectory ? entry.path + '/' : entry.path);
  return out.sort();
}
const BIG = patternBytes(100_003, 5);

describe('S3FS over s3rver', () => {
  let s3: S3rver;
  let client: S3Client;
  let fs: S3FS;
  beforeAll(async () => {
    s3 = await startS3rver();
    client = s3.client();
    const many = new Map<string, string>();
    for (let i = 0; i < 1005; i++) many.set(`many/f${String(i).padStart(4, '0')}.txt`, String(i));
    many.set('many/sub/deep.txt', 'deep');
    await putObjects(client, 'bucket', many);
    await putObjects(client, 'bucket', {
      'with space.txt': 'space',
      'plus+sign.txt': 'plus',
      'ünï €/ö.txt': 'unicode',
      'big.bin': BIG,
      both: 'the object named like a directory',
      'both/inner.txt': 'inner',
      'marker/': '',
    });
    fs = new S3FS({ bucket: 'bucket', client });
  });
  afterAll(async () => {
    await fs?.close();
    client?.destroy();
    await s3?.remove();
  });

  it('lists and walks more than 1,000 keys (paginated)', async () => {
    const listing = await fs.readdir('/many');
    expect(listing).toHaveLength(1006);
    expect(listing[0]!.name).toBe('f0000.txt');
    expect(listing.at(-2)!.name).toBe('f1004.txt');
    expect(listing.at(-1)).toEqual({ name: 'sub', size: 0, mtimeMs: 0, isDirectory: true });
    const walked = await collect(fs, '/many');
    expect(walked).toHaveLength(1007);
    expect(walked).toContain('/many/sub/');
    expect(walked).toContain('/many/sub/deep.txt');
    expect(walked).toContain('/many/f1004.txt');
  });

  it('maps keys with spaces, + and unicode to paths, and back', async () => {
    expect(names(await fs.readdir('/'))).toEqual(['big.bin', 'both/', 'many/', 'marker/', 'plus+sign.txt', 'with space.txt', 'ünï €/']);
    expect(text(await readFile(fs, '/with space.txt'))).toBe('space');
    expect(text(await readFile(fs, '/plus+sign.txt'))).toBe('plus');
    expect(text(await readFile(fs, '/ünï €/ö.txt'))).toBe('unicode');
    expect(names(await fs.readdir('/marker'))).toEqual([]);
    expect((await fs.stat('/marker')).isDirectory).toBe(true);
  });

  it('stats a file with its size, whole-second mtime and unquoted strong ETag, as the listing does', async () => {
    const info = await fs.stat('/big.bin');
    expect(info).toMatchObject({ name: 'big.bin', size: BIG.length, isDirectory: false });
    expect(info.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(info.weakEtag).toBeUndefined();
    expect(info.mtimeMs % 1000).toBe(0);
    expect(Math.abs(info.mtimeMs - Date.now())).toBeLessThan(120_000);
    expect((await fs.readdir('/')).find((i) => i.name === 'big.bin')).toEqual(info);
    const walked = [];
    for await (const entry of fs.walk('/')) if (entry.path === '/big.bin') walked.push(entry.info);
    expect(walked).toEqual([info]);
  });

  it('reads exactly the ranges asked for, and 0 at or past the end', async () => {
    const file = await fs.open('/big.bin');
    for (const [position, length] of [
      [0, 1],
      [1, 4096],
      [65_535, 3],
      [BIG.length - 7, 7],
      [BIG.length - 3, 100],
    ] as const) {
      const into = new Uint8Array(length);
      const n = await file.read(into, position);
      expect(n).toBe(Math.min(length, BIG.length - position));
      expect(Buffer.from(into.subarray(0, n)).equals(Buffer.from(BIG.subarray(position, position + n)))).toBe(true);
    }
    expect(await file.read(new Uint8Array(10), BIG.length)).toBe(0);
    expect(await file.read(new Uint8Array(10), BIG.length + 5)).toBe(0);
    await file.close();
  });

  it('a name that is both an object and a prefix is a directory; the object is unreachable', async () => {
    expect(await fs.stat('/both')).toEqual({ name: 'both', size: 0, mtimeMs: 0, isDirectory: true });
    expect(names(await fs.readdir('/both'))).toEqual(['inner.txt']);
    expect(text(await readFile(fs, '/both/inner.txt'))).toBe('inner');
    const walked = await collect(fs, '/');
    expect(walked).toContain('/both/');
    expect(walked).not.toContain('/both');
  });

  it('a file changed after it was opened rejects its reads with ESTALE', async () => {
    await putObjects(client, 'bucket', { 'changing.txt': 'version one' });
    const file = await fs.open('/changing.txt');
    const into = new Uint8Array(7);
    expect(await file.read(into, 0)).toBe(7);
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'changing.txt', Body: 'version two' }));
    const err = await failure(file.read(into, 0));
    expect(isFsError(err, 'ESTALE')).toBe(true);
    expect((await file.stat()).etag).not.toBe((await fs.stat('/changing.txt')).etag);
    await file.close();
  });

  it('opens the files its walk just listed on the listed metadata: one GetObject each, and a changed one still fails ESTALE', async () => {
    await putObjects(client, 'bucket', { 'walked/a.txt': 'a one', 'walked/b.txt': 'b one' });
    const counted = s3.client();
    const sent: string[] = [];
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const walker = new S3FS({ bucket: 'bucket', client: counted });
    try {
      expect(await collect(walker, '/walked')).toEqual(['/walked/a.txt', '/walked/b.txt']);
      sent.length = 0;
      expect(text(await readFile(walker, '/walked/a.txt'))).toBe('a one');
      expect(sent).toEqual(['GetObjectCommand']);
      // Taken once: the next open asks S3 again.
      sent.length = 0;
      expect(text(await readFile(walker, '/walked/a.txt'))).toBe('a one');
      expect(sent.filter((c) => c !== 'GetObjectCommand').length).toBeGreaterThan(0);
      // Replaced after the walk listed it: the listed version cannot be read, and a new open gets the new one.
      await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'walked/b.txt', Body: 'b two, longer' }));
      expect(isFsError(await failure(readFile(walker, '/walked/b.txt')), 'ESTALE')).toBe(true);
      expect(text(await readFile(walker, '/walked/b.txt'))).toBe('b two, longer');
    } finally {
      await walker.close();
      counted.destroy();
    }
  });

  it('missing, file-as-directory and closed answers', async () => {
    expect(isFsError(await failure(fs.stat('/nope')), 'ENOENT')).toBe(true);
    expect(isFsError(await failure(fs.readdir('/big.bin')), 'ENOTDIR')).toBe(true);
    expect(isFsError(await failure(collect(fs, '/big.bin')), 'ENOTDIR')).toBe(true);
    expect(isFsError(await failure(collect(fs, '/nope')), 'ENOENT')).toBe(true);
    const other = new S3FS({ bucket: 'bucket', client });
    await other.close();
    expect(isFsError(await failure(other.stat('/big.bin')), 'EBADF')).toBe(true);
    expect(isFsError(await failure(other.stat('/')), 'EBADF')).toBe(true);
  });

  it('builds its client from the environment (AWS_ENDPOINT_URL, path-style) when given none', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    try {
      const own = new S3FS({ bucket: 'bucket' });
      expect(text(await readFile(own, '/with space.txt'))).toBe('space');
      await own.close();
    } finally {
      process.env = saved;
    }
  });
});

describe('S3FS over keys that cannot be clean paths', () => {
  let s3: ScriptedS3;
  let client: S3Client;
  let fs: S3FS;
  beforeAll(async () => {
    s3 = await startScriptedS3({
      'site/ok.txt': 'ok',
      'site/a/../x': 'climbs',
      'site/a//b': 'empty segment',
      'site/./dot': 'dot segment',
      'site/..': 'dot-dot name',
      'site/c/d.txt': 'fine',
      'site/c/./e': 'dot segment below',
      'secret.txt': 'SECRET outside the prefix',
      'site-other/x.txt': 'a sibling prefix',
      'sitefile.txt': 'shares the prefix text',
    });
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 1 });
    fs = new S3FS({ bucket: 'bucket', prefix: 'site/', client });
  });
  afterAll(async () => {
    await fs?.close();
    client?.destroy();
    await s3?.close();
  });

  it('never lists them; their clean leading directories remain', async () => {
    expect(names(await fs.readdir('/'))).toEqual(['a/', 'c/', 'ok.txt']);
    expect(names(await fs.readdir('/a'))).toEqual([]);
    expect(names(await fs.readdir('/c'))).toEqual(['d.txt']);
    expect(await collect(fs, '/')).toEqual(['/a/', '/c/', '/c/d.txt', '/ok.txt']);
  });

  it('never serves them nor anything outside the prefix: every request stays below it', async () => {
    expect(await fs.stat('/..')).toEqual({ name: '/', size: 0, mtimeMs: 0, isDirectory: true });
    for (const path of ['/a/../x', '/../secret.txt', '/a//b', '/./dot', '/../site-other/x.txt', '/../sitefile.txt']) {
      const err = await failure(readFile(fs, path));
      expect(isFsError(err, 'ENOENT', 'EISDIR'), path).toBe(true);
    }
    expect(s3.requested.length).toBeGreaterThan(10);
    for (const key of s3.requested) {
      const k = key.replace(/^list:/, '');
      expect(k.startsWith('site/'), key).toBe(true);
      expect(k.slice('site/'.length).split('/').slice(0, -1), key).not.toContainEqual(expect.stringMatching(/^(\.\.?|)$/));
    }
  });

  it('a read of an object replaced after the open fails with ESTALE (the store enforces If-Match)', async () => {
    const file = await fs.open('/ok.txt');
    s3.objects.set('site/ok.txt', new TextEncoder().encode('OK'));
    expect(isFsError(await failure(file.read(new Uint8Array(2), 0)), 'ESTALE')).toBe(true);
    await file.close();
  });
});

describe('S3FS options', () => {
  it.each([
    [undefined, /options must be an object/],
    [{}, /option 'bucket'/],
    [{ bucket: '' }, /option 'bucket'/],
    [{ bucket: 'b', prefix: '/site/' }, /option 'prefix'/],
    [{ bucket: 'b', prefix: 'a//b/' }, /option 'prefix'/],
    [{ bucket: 'b', prefix: '../x/' }, /option 'prefix'/],
    [{ bucket: 'b', prefix: 3 }, /option 'prefix'/],
    [{ bucket: 'b', client: {} }, /option 'client'/],
    [{ bucket: 'b', logger: console.log }, /option 'logger'/],
    [{ bucket: 'b', timeoutMs: 0 }, /option 'timeoutMs'/],
    [{ bucket: 'b', region: 'x' }, /unknown S3FS option 'region'/],
  ])('%j is refused with a TypeError naming the option', (options, message) => {
    expect(() => new S3FS(options as never)).toThrow(TypeError);
    expect(() => new S3FS(options as never)).toThrow(message);
  });
});
