import { HeadObjectCommand, ListObjectsV2Command, S3Client, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { FsError, baseName, cleanPath, compareNames, isFsError, joinPath, type File, type FileInfo, type Logger, type WalkEntry, type WalkFS } from '@hotfs/core';
import { toFsError } from './errors.js';
import { S3File } from './file.js';

/** Options of {@link S3FS}. */
export interface S3FSOptions {
  /** The bucket to serve. */
  bucket: string;
  /**
   * The key prefix that is the served root: `''` (the whole bucket, the default) or a prefix such
   * as `'site/'` (a missing trailing `/` is added). Nothing outside it is ever requested.
   */
  prefix?: string;
  /**
   * The client to use (its region, credentials, endpoint and retry policy are yours). Without one,
   * S3FS builds `new S3Client({})` from the SDK's usual configuration (`AWS_REGION`,
   * `AWS_ENDPOINT_URL`…), with path-style addressing when an endpoint is configured, and destroys it
   * in {@link S3FS.close}.
   */
  client?: S3Client;
  /** Where an outage is reported: once when S3 starts failing, once when it answers again. */
  logger?: Logger;
  /**
   * Bound of each operation in milliseconds, the SDK's retries and a read's body included: past it
   * the operation rejects with EIO. Default 20000.
   */
  timeoutMs?: number;
}

type ListPage = Pick<ListObjectsV2CommandOutput, 'Contents' | 'CommonPrefixes'>;

/** How long the files a walk listed may be opened on their listed metadata (see `#takeWalked`). */
const WALKED_TRUST_MS = 30_000;

const optionNames = new Set(['bucket', 'prefix', 'client', 'logger', 'timeoutMs']);
const ROOT: FileInfo = Object.freeze({ name: '/', size: 0, mtimeMs: 0, isDirectory: true });

/**
 * A read-only {@link FileSystem} over an S3 bucket (or any S3-compatible store): the key
 * `${prefix}a/b.txt` is the file `/a/b.txt`; directories are the common prefixes of the keys (and
 * zero-byte `dir/` marker objects). Every call goes to S3: put a MemFS mirror or a CacheFS in front
 * of it to serve heavy traffic. Keys that cannot be a clean path are never listed nor served, and
 * a name that is both an object and a prefix is a directory (see the package README).
 *
 * @example
 * ```ts
 * const fs = new S3FS({ bucket: 'my-site', prefix: 'public/' });
 * const page = await readFile(fs, '/index.html'); // GetObject public/index.html
 * await fs.close();
 * ```
 */
export class S3FS implements WalkFS {
  readonly #client: S3Client;
  readonly #ownClient: boolean;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #logger: Logger | undefined;
  readonly #timeoutMs: number;
  #closed = false;
  #failing = false;
  #walked: { files: Map<string, FileInfo>; at: number } | undefined;

  /** @throws TypeError naming the option that is wrong. */
  constructor(options: S3FSOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('S3FS options must be an object with a bucket');
    for (const key of Object.keys(options)) if (!optionNames.has(key)) throw new TypeError(`unknown S3FS option '${key}'`);
    const { bucket, prefix = '', client, logger, timeoutMs = 20_000 } = options;
    if (typeof bucket !== 'string' || bucket === '') throw new TypeError(`option 'bucket' must be a non-empty string; got ${JSON.stringify(bucket)}`);
    if (typeof prefix !== 'string' || prefix.includes('\0')) throw new TypeError(`option 'prefix' must be a string without NUL; got ${typeof prefix}`);
    if (prefix.startsWith('/') || prefix.split('/').some((s, i, all) => (s === '' && i < all.length - 1) || s === '.' || s === '..'))
      throw new TypeError(`option 'prefix' must be clean segments like 'site/' (no leading '/', '//', '.' or '..'); got ${JSON.stringify(prefix)}`);
    if (client !== undefined && !(client instanceof S3Client) && typeof (client as Partial<S3Client>)?.send !== 'function')
      throw new TypeError("option 'client' must be an S3Client");
    if (logger !== undefined && ['info', 'warn', 'error'].some((m) => typeof (logger as unknown as Record<string, unknown>)?.[m] !== 'function'))
      throw new TypeError("option 'logger' must have info, warn and error functions");
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`option 'timeoutMs' must be a positive number; got ${String(timeoutMs)}`);
    this.#bucket = bucket;
    this.#prefix = prefix === '' || prefix.endsWith('/') ? prefix : prefix + '/';
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
    this.#ownClient = client === undefined;
    // Virtual-hosted addressing needs a DNS name per bucket, which S3-compatible stores at a custom
    // endpoint (MinIO, Ceph, s3rver, a 127.0.0.1 URL) rarely have; all of them answer path-style.
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.#client = client ?? new S3Client(endpoint ? { forcePathStyle: true } : {});
  }

  async stat(path: string): Promise<FileInfo> {
    const clean = cleanPath(path);
    if (clean === '/') return this.#check(clean, ROOT);
    const key = this.#key(clean);
    // Both at once: a name that is an object and a prefix is a directory, so the listing decides.
    const [head, dir] = await Promise.all([
      this.#request(clean, 'HeadObject', (abortSignal) => this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }), { abortSignal })).catch((err: unknown) => {
        if (isFsError(err, 'ENOENT')) return undefined;
        throw err;
      }),
      this.#list(clean, key + '/', undefined, 1),
    ]);
    if ((dir.Contents?.length ?? 0) > 0 || (dir.CommonPrefixes?.length ?? 0) > 0) return dirInfo(baseName(clean));
    if (head === undefined) throw new FsError('ENOENT', clean);
    return fileInfo(baseName(clean), head.ContentLength, head.LastModified, head.ETag);
  }

  async open(path: string): Promise<File> {
    const clean = cleanPath(path);
    const info = this.#takeWalked(clean) ?? (await this.stat(clean));
    return new S3File(clean, info, {
      client: this.#client,
      bucket: this.#bucket,
      key: this.#key(clean),
      request: (op, run) => this.#request(clean, op, run),
      readdir: () => this.readdir(clean),
    });
  }

  async readdir(path: string): Promise<FileInfo[]> {
    const clean = cleanPath(path);
    const dirKey = clean === '/' ? this.#prefix : this.#key(clean) + '/';
    const files = new Map<string, FileInfo>();
    const dirs = new Map<string, FileInfo>();
    let found = clean === '/';
    let token: string | undefined;
    do {
      const page = await this.#list(clean, dirKey, '/', undefined, token);
      for (const object of page.Contents ?? []) {
        found = true;
        const name = (object.Key ?? '').slice(dirKey.length);
        if (isName(name)) files.set(name, fileInfo(name, object.Size, object.LastModified, object.ETag));
      }
      for (const common of page.CommonPrefixes ?? []) {
        found = true;
        const name = (common.Prefix ?? '').slice(dirKey.length, -1);
        if (isName(name)) dirs.set(name, dirInfo(name));
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
    if (!found) {
      // Nothing below it: a file, or nothing at all.
      const info = await this.stat(clean);
      throw new FsError(info.isDirectory ? 'ENOENT' : 'ENOTDIR', clean);
    }
    for (const name of dirs.keys()) files.delete(name);
    return [...files.values(), ...dirs.values()].sort((a, b) => compareNames(a.name, b.name));
  }

  /**
   * Every file and directory below `path` (not `path` itself), each once, from a flat listing of
   * its keys (1,000 per call): the implied directories as they turn up, the files once the listing
   * is complete (a later key can make a file's name a directory). Rejects with ENOENT or ENOTDIR
   * when `path` is not a directory.
   */
  async *walk(path: string): AsyncIterable<WalkEntry> {
    const clean = cleanPath(path);
    if (!(await this.stat(clean)).isDirectory) throw new FsError('ENOTDIR', clean);
    const base = clean === '/' ? this.#prefix : this.#key(clean) + '/';
    const dirs = new Set<string>();
    const files = new Map<string, FileInfo>();
    let token: string | undefined;
    do {
      const page = await this.#list(clean, base, undefined, undefined, token);
      for (const object of page.Contents ?? []) {
        const segments = (object.Key ?? '').slice(base.length).split('/');
        // A key ending in '/' is a directory marker; a key with a segment that cannot be a name is
        // left out from that segment on (its clean leading directories still exist, as in readdir).
        const marker = segments.length > 1 && segments[segments.length - 1] === '';
        if (marker) segments.pop();
        let dir = clean;
        for (let i = 0; i < segments.length && isName(segments[i]!); i++) {
          const child = joinPath(dir, segments[i]!);
          if (i === segments.length - 1 && !marker) {
            files.set(child, fileInfo(segments[i]!, object.Size, object.LastModified, object.ETag));
          } else if (!dirs.has(child)) {
            dirs.add(child);
            yield { path: child, info: dirInfo(segments[i]!) };
          }
          dir = child;
        }
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
    for (const dir of dirs) files.delete(dir);
    // A copy: opens while this yields take entries from it, and must not shorten the loop below.
    this.#walked = { files: new Map(files), at: performance.now() };
    for (const [child, info] of files) yield { path: child, info };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownClient) this.#client.destroy();
  }

  /**
   * The listed metadata of a file the last {@link S3FS.walk} yielded, once, while recent: a mirror
   * opens the files it just listed, and each would otherwise cost a HeadObject and a one-key listing
   * more. Safe even if the object changed since: reads carry `If-Match` with the listed ETag, so
   * they reject with ESTALE and the caller opens it again, which then asks S3.
   */
  #takeWalked(clean: string): FileInfo | undefined {
    const walked = this.#walked;
    if (walked === undefined || performance.now() - walked.at > WALKED_TRUST_MS) return undefined;
    const info = walked.files.get(clean);
    walked.files.delete(clean);
    return info;
  }

  #key(clean: string): string {
    return this.#prefix + clean.slice(1);
  }

  async #check<T>(path: string, value: T): Promise<T> {
    if (this.#closed) throw new FsError('EBADF', path, 'file system closed');
    return value;
  }

  #list(path: string, prefix: string, delimiter: string | undefined, maxKeys?: number, token?: string): Promise<ListPage & { NextContinuationToken?: string }> {
    const input = { Bucket: this.#bucket, Prefix: prefix, Delimiter: delimiter, MaxKeys: maxKeys, ContinuationToken: token };
    return this.#request(path, 'ListObjectsV2', (abortSignal) => this.#client.send(new ListObjectsV2Command(input), { abortSignal }));
  }

  /** Runs one S3 operation under the timeout, as an FsError on failure, and reports outages once. */
  async #request<T>(path: string, operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await this.#check(path, undefined);
    try {
      const result = await run(AbortSignal.timeout(this.#timeoutMs));
      if (this.#failing) {
        this.#failing = false;
        this.#logger?.info(`S3 bucket ${this.#bucket} answers again`);
      }
      return result;
    } catch (err) {
      const error = toFsError(err, path, operation, this.#timeoutMs);
      if (error.code === 'EIO' && !this.#failing) {
        this.#failing = true;
        this.#logger?.warn(`S3 bucket ${this.#bucket} is failing: ${error.message}`);
      }
      throw error;
    }
  }
}

/** A name a listing may show: one clean path segment. */
function isName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function dirInfo(name: string): FileInfo {
  return Object.freeze({ name, size: 0, mtimeMs: 0, isDirectory: true });
}

/**
 * S3's ETag is what S3 itself compares for If-Match and If-Range: a new upload of other bytes gets
 * another one, so it is strong. Times are whole seconds, as HeadObject's HTTP date gives them, so a
 * listing and a stat agree.
 */
function fileInfo(name: string, size: number | undefined, modified: Date | undefined, etag: string | undefined): FileInfo {
  const mtimeMs = modified === undefined ? 0 : Math.floor(modified.getTime() / 1000) * 1000;
  const tag = etag?.replace(/^(?:W\/)?"|"$/g, '');
  return Object.freeze(tag ? { name, size: size ?? 0, mtimeMs, isDirectory: false, etag: tag } : { name, size: size ?? 0, mtimeMs, isDirectory: false });
}
