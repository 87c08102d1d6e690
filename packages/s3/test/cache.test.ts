import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheFS } from '@hotfs/core';
import { createFixture, formatReport, runConformance, type Fixture } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { countRequests, objectsFrom } from './support/objects.js';
import { putObjects, startS3rver, type S3rver } from './support/s3rver.js';

describe('CacheFS over S3FS', () => {
  let s3: S3rver;
  let fixture: Fixture;
  beforeAll(async () => {
    [s3, fixture] = await Promise.all([startS3rver(), createFixture({ symlinks: false })]);
    const client = s3.client();
    await putObjects(client, 'bucket', objectsFrom(fixture.root, 'site/'));
    await putObjects(client, 'bucket', { 'secret.txt': fixture.secret });
    client.destroy();
  });
  afterAll(async () => {
    await Promise.all([s3?.remove(), fixture?.remove()]);
  });

  it('passes the kit cold, then warm without a single GetObject', async () => {
    const client = s3.client();
    const sent = countRequests(client);
    const source = new S3FS({ bucket: 'bucket', prefix: 'site/', client });
    const cache = new CacheFS(source, { maxBytes: 64 * 1024 * 1024, maxAge: 60_000 });
    for (const pass of ['cold', 'warm']) {
      const gets = sent.get('GetObjectCommand') ?? 0;
      const report = await runConformance(cache, fixture.root, { secretPath: fixture.secretPath, capabilities: { mtime: 'any' } });
      expect(report.failures, formatReport(`CacheFS over S3FS, ${pass}`, report)).toEqual([]);
      expect(report.passed).toContain('climbs to the secret');
      if (pass === 'cold') expect(sent.get('GetObjectCommand')).toBeGreaterThan(0);
      else expect(sent.get('GetObjectCommand') ?? 0).toBe(gets);
    }
    await cache.close();
    await source.close();
    client.destroy();
  });
});
