/**
 * The `hotfs` command's s3:// layers: S3FS, and the mem or cache backend over it. Imported only when
 * an s3:// path is given, so serving a directory never loads the AWS SDK.
 * @module
 */
import { CacheFS, MemFS, type CacheFSOptions, type FileSystem, type Logger, type MemFSOptions } from '@hotfs/core';
import { S3FS } from '@hotfs/s3';
import type { S3Location } from './cli-values.js';
import { owning } from './owning.js';

/** What each backend over S3FS is built with. */
interface S3LayerOptions {
  mem: MemFSOptions;
  cache: CacheFSOptions;
  logger: Logger | undefined;
  /** The S3-compatible endpoint; else the SDK's environment. */
  endpoint: string | undefined;
}

/**
 * Opens `location` with the chosen backend: `direct` is S3FS itself, `cache` a CacheFS over it,
 * `mem` a MemFS mirror of it (complete before this resolves: S3FS cannot answer without a promise,
 * which serving while loading needs). Closing the result closes the S3FS too.
 * @throws Error when the bucket cannot be listed (mem).
 */
export async function openS3(kind: 'mem' | 'cache' | 'direct', { bucket, prefix }: S3Location, options: S3LayerOptions): Promise<FileSystem> {
  // S3FS builds its client from the SDK's environment, path-style when an endpoint is set there.
  if (options.endpoint !== undefined) process.env.AWS_ENDPOINT_URL_S3 = options.endpoint;
  // One outage line, from the layer that serves (S3FS itself only when it is that layer).
  const s3 = new S3FS({ bucket, prefix, ...(kind === 'direct' && options.logger ? { logger: options.logger } : {}) });
  try {
    if (kind === 'direct') return s3;
    if (kind === 'cache') return owning(new CacheFS(s3, options.cache), s3);
    const { symlinks: _links, settleMs: _settle, ...mem } = options.mem;
    return owning(await MemFS.mirror(s3, { ...mem, serveWhileLoading: false }), s3);
  } catch (err) {
    await s3.close();
    throw err;
  }
}
