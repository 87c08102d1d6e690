/**
 * The conformance kit's fixture in a real s3rver, shared by the suites that run the kit over S3.
 * @module
 */
import { afterAll, beforeAll } from 'vitest';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { objectsFrom } from './objects.js';
import { putObjects, startS3rver, type S3rver } from './s3rver.js';

/** What {@link fixtureBucket} provides once its `beforeAll` ran. */
export interface FixtureBucket {
  s3: S3rver;
  fixture: Fixture;
}

/**
 * Registers hooks of the calling suite: before it, s3rver starts with the kit's fixture (no symlinks:
 * S3 has none) below `site/` in bucket `bucket`, and the secret at `secret.txt`, where a climb out of
 * the prefix would find it; after it, both are removed.
 */
export function fixtureBucket(): FixtureBucket {
  const bucket = {} as FixtureBucket;
  beforeAll(async () => {
    [bucket.s3, bucket.fixture] = await Promise.all([startS3rver(), createFixture({ symlinks: false })]);
    const client = bucket.s3.client();
    await putObjects(client, 'bucket', objectsFrom(bucket.fixture.root, 'site/'));
    await putObjects(client, 'bucket', { 'secret.txt': bucket.fixture.secret });
    client.destroy();
  });
  afterAll(async () => {
    await Promise.all([bucket.s3?.remove(), bucket.fixture?.remove()]);
  });
  return bucket;
}
