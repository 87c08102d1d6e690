/**
 * A real S3-protocol server for tests: s3rver in a child process on 127.0.0.1, with a temporary
 * directory, that a test can stop and start again on the same port and data (an outage), plus
 * an SDK client configured for it.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const script = fileURLToPath(new URL('../fixtures/s3rver-process.mjs', import.meta.url));

// The SDK warns at load on Node < 22 that later releases will need it; tests keep their output to themselves.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Options of {@link startS3rver}. */
export interface S3rverOptions {
  /** Buckets to create at start (names of 3+ characters). Default `['bucket']`. */
  buckets?: string[];
  /**
   * Serve this directory (another s3rver's {@link S3rver.directory}, stopped meanwhile: a change
   * made while the first one is down) instead of a new one; {@link S3rver.remove} leaves it.
   */
  directory?: string;
}

/** A running (or stopped) s3rver child process and what a client needs to reach it. */
export interface S3rver {
  /** The port it listens on; the same after {@link S3rver.restart}. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The temporary directory holding its buckets. */
  readonly directory: string;
  /** The PID of the current process; undefined while stopped. */
  readonly pid: number | undefined;
  /**
   * A client for it: path-style, credentials `S3RVER`/`S3RVER`, region us-east-1. `maxAttempts`
   * bounds the SDK's retries (default 1: a test of an outage wants the failure at once).
   */
  client(options?: { maxAttempts?: number; endpoint?: string }): S3Client;
  /** Kills the process by its PID and waits for it to exit; the data stays. Harmless when stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (after {@link S3rver.stop}). */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  remove(): Promise<void>;
}

/**
 * Starts s3rver (`node --openssl-legacy-provider`, so listings past 1,000 keys can paginate) on a
 * free port of 127.0.0.1 with a new temporary directory.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver();
 * const fs = new S3FS({ bucket: 'bucket', client: s3.client() });
 * await s3.stop(); // stat → EIO
 * await s3.restart(); // and back
 * await s3.remove();
 * ```
 */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rver> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'hotfs-s3rver-')));
  const buckets = options.buckets ?? ['bucket'];
  let child: ChildProcess | undefined;
  let port = 0;
  const start = async (): Promise<void> => {
    const proc = spawn(process.execPath, ['--openssl-legacy-provider', script, JSON.stringify({ port, directory, buckets })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`s3rver exited before listening (code ${String(code)})`);
    });
    const line = once(createInterface({ input: proc.stdout as NodeJS.ReadableStream }), 'line').then(([text]: unknown[]) => JSON.parse(String(text)) as { port: number });
    try {
      port = (await Promise.race([line, exited])).port;
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    exited.catch(() => undefined);
    child = proc;
    // A test process that dies without stopping it leaves no server behind.
    process.once('exit', () => proc.kill('SIGKILL'));
  };
  await start();
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    process.kill(proc.pid!, 'SIGKILL');
    await exited;
  };
  return {
    get port() {
      return port;
    },
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    directory,
    get pid() {
      return child?.pid;
    },
    client({ maxAttempts = 1, endpoint = `http://127.0.0.1:${port}` } = {}) {
      return new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        maxAttempts,
      });
    },
    stop,
    async restart() {
      if (child !== undefined) throw new Error('s3rver is running; stop it first');
      await start();
    },
    async remove() {
      await stop();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Uploads `objects` (key → content; a string is UTF-8), a few at a time.
 *
 * @example
 * ```ts
 * await putObjects(s3.client(), 'bucket', { 'site/index.html': '<h1>hi</h1>', 'site/img/': '' });
 * ```
 */
export async function putObjects(client: S3Client, bucket: string, objects: Record<string, string | Uint8Array> | Map<string, string | Uint8Array>): Promise<void> {
  const queue = objects instanceof Map ? [...objects] : Object.entries(objects);
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [key, body] = next;
      // Stated even when 0: without it the SDK warns of a stream of unknown length.
      const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: length }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
