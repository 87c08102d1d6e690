import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FsError, type File, type FileInfo } from '@hotfs/core';
import { stale } from './errors.js';

/** What an open file needs from its {@link S3FS}. */
export interface S3FileContext {
  client: S3Client;
  bucket: string;
  key: string;
  /** Runs an operation under the file system's timeout and error mapping. */
  request<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Lists the directory (a directory's listing is always the current one). */
  readdir(): Promise<FileInfo[]>;
}

/**
 * An open object or directory of an S3FS. Each read is one ranged GetObject of exactly the bytes
 * asked for (clipped to the size seen at open), sent with `If-Match` so it only ever returns the
 * opened version; a store that ignores If-Match is caught by the ETag of its answer. Either way a
 * changed object rejects with ESTALE.
 */
export class S3File implements File {
  readonly #path: string;
  readonly #info: FileInfo;
  readonly #ctx: S3FileContext;
  #closed = false;

  constructor(path: string, info: FileInfo, ctx: S3FileContext) {
    this.#path = path;
    this.#info = info;
    this.#ctx = ctx;
  }

  async stat(): Promise<FileInfo> {
    this.#open();
    return this.#info;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    this.#open();
    if (this.#info.isDirectory) throw new FsError('EISDIR', this.#path);
    if (!(Number.isSafeInteger(position) && position >= 0)) throw new FsError('EINVAL', this.#path, `read position must be a non-negative integer; got ${position}`);
    const length = Math.min(into.length, this.#info.size - position);
    if (length <= 0) return 0;
    const { client, bucket, key } = this.#ctx;
    const etag = this.#info.etag;
    const input = { Bucket: bucket, Key: key, Range: `bytes=${position}-${position + length - 1}`, IfMatch: etag === undefined ? undefined : `"${etag}"` };
    return this.#ctx.request('GetObject', async (abortSignal) => {
      const answer = await client.send(new GetObjectCommand(input), { abortSignal });
      const body = answer.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
      const got = answer.ETag?.replace(/^(?:W\/)?"|"$/g, '');
      if (etag !== undefined && got !== undefined && got !== etag) {
        body?.destroy?.();
        throw stale(this.#path);
      }
      let n = 0;
      const onAbort = () => body?.destroy?.();
      abortSignal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const chunk of body ?? []) {
          const take = Math.min(chunk.length, length - n);
          into.set(take === chunk.length ? chunk : chunk.subarray(0, take), n);
          n += take;
          if (n === length) break;
        }
      } finally {
        abortSignal.removeEventListener('abort', onAbort);
      }
      if (abortSignal.aborted) throw abortSignal.reason;
      // Fewer bytes than the opened size promises: the object is not the one that was opened.
      if (n < length) throw stale(this.#path);
      return n;
    });
  }

  async readdir(): Promise<FileInfo[]> {
    this.#open();
    if (!this.#info.isDirectory) throw new FsError('ENOTDIR', this.#path);
    return this.#ctx.readdir();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new FsError('EBADF', this.#path);
  }
}
