import { describe, expect, it } from 'vitest';
import { CacheFS } from '@hotfs/core';
import { formatReport, runConformance } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { fixtureBucket } from './support/fixture-bucket.js';
import { countRequests } from './support/objects.js';

describe('CacheFS over S3FS', () => {
  const bucket = fixtureBucket();

  it('passes the kit cold, then warm without a single GetObject', async () => {
    const client = bucket.s3.client();
    const sent = countRequests(client);
    const source = new S3FS({ bucket: 'bucket', prefix: 'site/', client });
    const cache = new CacheFS(source, { maxBytes: 64 * 1024 * 1024, maxAge: 60_000 });
    for (const pass of ['cold', 'warm']) {
      const gets = sent.get('GetObjectCommand') ?? 0;
      const report = await runConformance(cache, bucket.fixture.root, { secretPath: bucket.fixture.secretPath, capabilities: { mtime: 'any' } });
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
