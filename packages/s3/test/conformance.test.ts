import { describe, expect, it } from 'vitest';
import { checkFileSystem, formatReport, runConformance } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { fixtureBucket } from './support/fixture-bucket.js';
import { putObjects } from './support/s3rver.js';

describe('S3FS conformance', () => {
  const bucket = fixtureBucket();

  it('serves the standard fixture below a prefix, and never the key outside it', async () => {
    const fs = new S3FS({ bucket: 'bucket', prefix: 'site', client: bucket.s3.client() });
    const report = await runConformance(fs, bucket.fixture.root, { secretPath: bucket.fixture.secretPath, capabilities: { mtime: 'any' } });
    expect(report.failures, formatReport('S3FS', report)).toEqual([]);
    expect(report.passed).toContain('climbs to the secret');
    await fs.close();
  });

  it('is caught by the kit when the bucket differs from the expected tree', async () => {
    const client = bucket.s3.client();
    await putObjects(client, 'bucket', { 'other/hello.txt': 'Hello, hotfs?\n' });
    const fs = new S3FS({ bucket: 'bucket', prefix: 'other/', client });
    expect(await checkFileSystem(fs, { 'hello.txt': 'Hello, hotfs!\n' })).toContainEqual(expect.stringMatching(/readAll \/hello\.txt: bytes differ/));
    await fs.close();
    client.destroy();
  });
});
