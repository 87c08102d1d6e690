import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isFsError, MemFS, readFile } from '@hotfs/core';
import { formatReport, runConformance } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { fixtureBucket } from './support/fixture-bucket.js';
import { countRequests } from './support/objects.js';
import { putObjects } from './support/s3rver.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Resolves once `check` holds, polling every 20 ms; rejects past `ms` with what it last saw. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - start;
}

describe('MemFS mirroring S3FS', () => {
  const bucket = fixtureBucket();

  it('passes the kit', async () => {
    const source = new S3FS({ bucket: 'bucket', prefix: 'site/', client: bucket.s3.client() });
    const mirror = await MemFS.mirror(source, { logger: quiet });
    const report = await runConformance(mirror, bucket.fixture.root, { secretPath: bucket.fixture.secretPath, capabilities: { mtime: 'any' } });
    expect(report.failures, formatReport('MemFS over S3FS', report)).toEqual([]);
    expect(report.passed).toContain('climbs to the secret');
    await mirror.close();
    await source.close();
  });

  it('shows an object changed, added and deleted in the bucket within the reconcile interval + 1 s', async () => {
    const client = bucket.s3.client();
    await putObjects(client, 'bucket', { 'live/a.txt': 'a1', 'live/b.txt': 'b1' });
    const source = new S3FS({ bucket: 'bucket', prefix: 'live/', client });
    const mirror = await MemFS.mirror(source, { logger: quiet, reconcileIntervalMs: 500 });
    expect(text(await readFile(mirror, '/a.txt'))).toBe('a1');
    // s3rver's LastModified has whole seconds: a same-size rewrite within the second is told apart by its ETag.
    await putObjects(client, 'bucket', { 'live/a.txt': 'a2', 'live/sub/c.txt': 'c' });
    await client.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 'live/b.txt' }));
    // A reconcile lists a new directory a moment before its files are in memory: a file missing in
    // between is "not yet", as an old version is.
    const textOf = (path: string) =>
      readFile(mirror, path).then(text, (err: unknown) => {
        if (isFsError(err, 'ENOENT')) return undefined;
        throw err;
      });
    const ms = await within(1500, async () => {
      const names = (await mirror.readdir('/')).map((i) => i.name).join(',');
      return names === 'a.txt,sub' && (await textOf('/a.txt')) === 'a2' && (await textOf('/sub/c.txt')) === 'c';
    });
    expect(ms).toBeLessThan(1500);
    await mirror.close();
    await source.close();
    client.destroy();
  });

  it('reconciles an unchanged bucket of 1,000 objects with list calls only', async () => {
    const client = bucket.s3.client();
    const objects = new Map(Array.from({ length: 1000 }, (_, i) => [`many/d${i % 7}/f${i}.txt`, `content ${i}`]));
    await putObjects(client, 'bucket', objects);
    const sent = countRequests(client);
    const source = new S3FS({ bucket: 'bucket', prefix: 'many/', client });
    const mirror = await MemFS.mirror(source, { logger: quiet, reconcileIntervalMs: 300 });
    expect(mirror.size.files).toBe(1000);
    const loaded = new Map(sent);
    expect(loaded.get('GetObjectCommand')).toBeGreaterThanOrEqual(1000);
    const lists = sent.get('ListObjectsV2Command') ?? 0;
    // Two reconciles at least.
    await within(5000, async () => (sent.get('ListObjectsV2Command') ?? 0) >= lists + 4);
    const after = Object.fromEntries(sent);
    expect(after).toEqual({ ...Object.fromEntries(loaded), ListObjectsV2Command: after.ListObjectsV2Command });
    await mirror.close();
    await source.close();
    client.destroy();
  }, 90_000);
});
