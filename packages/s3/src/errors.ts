import { FsError, isFsError } from '@hotfs/core';

/** The fields of an SDK service error (or a network error) that decide its FsError code. */
interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Turns whatever a call of the AWS SDK threw into an FsError for the hotfs `path`, keeping the
 * original as `cause`: a missing key is ENOENT, a refusal EACCES, an object that changed under an
 * open file ESTALE, and everything else (unreachable, timed out, 5xx, throttled after the SDK's own
 * retries, a missing bucket) EIO, whose message says what happened so a log line is enough to act.
 */
export function toFsError(err: unknown, path: string, operation: string, timeoutMs: number): FsError {
  if (isFsError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const options = { cause: err };
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new FsError('EIO', path, `S3 ${operation} got no answer within ${timeoutMs} ms`, options);
  }
  // A missing bucket is a configuration fault of the server, not a missing file: 503, never 404.
  if (name === 'NoSuchBucket') return new FsError('EIO', path, `S3 ${operation} failed: the bucket does not exist`, options);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new FsError('ENOENT', path, undefined, options);
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return new FsError('EACCES', path, undefined, options);
  if (name === 'PreconditionFailed' || name === 'InvalidRange' || status === 412 || status === 416) return stale(path, options);
  const detail = status === undefined ? `${name}: ${e.message ?? String(err)}` : `HTTP ${status} ${name}`;
  return new FsError('EIO', path, `S3 ${operation} failed: ${detail}`, options);
}

/** The error of a read whose object no longer is the version the file opened. */
export function stale(path: string, options?: { cause?: unknown }): FsError {
  return new FsError('ESTALE', path, 'the object changed since it was opened', options);
}
