/**
 * What the S3 contenders share: the S3FS over the bucket the bench started and filled (its endpoint
 * and bucket arrive in the environment, see `S3_ENV`). Not a contender itself.
 * @packageDocumentation
 */
import { S3FS } from '@hotfs/s3';
import { S3_ENV, s3Client, type S3Target } from '../s3rver.js';

/** The bucket's S3FS; exits with a message when the bench gave no bucket. */
export function s3Source(): S3FS {
  const raw = process.env[S3_ENV];
  if (!raw) {
    process.stderr.write(`${S3_ENV} is not set: the bench starts s3rver and sets it for the S3 contenders\n`);
    process.exit(2);
  }
  const target = JSON.parse(raw) as S3Target;
  return new S3FS({ bucket: target.bucket, client: s3Client(target) });
}
