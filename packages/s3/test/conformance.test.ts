import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFileSystem, createFixture, formatReport, runConformance, type Fixture } from '@hotfs/core/conformance';
import { S3FS } from '@hotfs/s3';
import { objectsFrom } from './support/objects.js';
import { putObjects, startS3rver, type S3rver } from './support/s3rver.js';

describe('S3FS conformance', () => {
  let s3: S3rver;
  let fixture: Fixture;
  beforeAll(async () => {
    [s3, fixture] = await Promise.all([startS3rver(), createFixture({ symlinks: false })]);
    const client = s3.client();
    // The fixture below site/, and the secret where a climb out of the prefix would find it.
    await putObjects(client, 'bucket', objectsFrom(fixture.root, 'site/'));
    await putObjects(client, 'bucket', { 'secret.txt': fixture.secret });
    client.destroy();
  });
  afterAll(async () => {
    await Promise.all([s3?.remove(), fixture?.remove()]);
  });

  it('serves the standard fixture below a prefix, and never the key outside it', async () => {
    const fs = new S3FS({ bucket: 'bucket', prefix: 'site', client: s3.client() });
    const report = await runConformance(fs, fixture.root, { secretPath: fixture.secretPath, capabilities: { mtime: 'any' } });
    expect(report.failures, formatReport('S3FS', report)).toEqual([]);
    expect(report.passed).toContain('climbs to the secret');
    await fs.close();
  });

  it('is caught by the kit when the bucket differs from the expected tree', async () => {
    const client = s3.client();
    await putObjects(client, 'bucket', { 'other/hello.txt': 'Hello, hotfs?\n' });
    const fs = new S3FS({ bucket: 'bucket', prefix: 'other/', client });
    expect(await checkFileSystem(fs, { 'hello.txt': 'Hello, hotfs!\n' })).toContainEqual(expect.stringMatching(/readAll \/hello\.txt: bytes differ/));
    await fs.close();
    client.destroy();
  });
});
