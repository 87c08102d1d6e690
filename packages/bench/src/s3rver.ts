/**
 * The S3 server of the bench: s3rver in a process of its own (with a temporary directory and one
 * bucket), the SDK client that reaches it, and the upload of the objects a run serves. The bench
 * owns this starter rather than sharing the tests' harness: test code stays out of the bench and no
 * package grows a public testing API for it.
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pinned } from './pin.js';

// The SDK warns at load on Node < 22; the bench's output stays its own.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Where an S3 contender or measurement finds its bucket; passed to contender processes as JSON in {@link S3_ENV}. */
export interface S3Target {
  endpoint: string;
  bucket: string;
}

/** The environment variable that carries an {@link S3Target} to a contender process. */
export const S3_ENV = 'HOTFS_BENCH_S3';

/** A running s3rver. */
export interface S3Server extends S3Target {
  readonly pid: number;
  /** Stops the process and deletes its directory. */
  stop(): Promise<void>;
}

/** A client for s3rver: path-style, its fixed credentials, the SDK's default retries. */
export function s3Client(target: S3Target): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

/** Starts s3rver with an empty bucket; with `cpu`, under `taskset -c <cpu>` from its first instruction. */
export async function startS3rver(opts: { bucket?: string; cpu?: string } = {}): Promise<S3Server> {
  const bucket = opts.bucket ?? 'bench';
  const directory = mkdtempSync(join(tmpdir(), 'hotfs-bench-s3-'));
  const script = fileURLToPath(new URL('./s3rver-process.js', import.meta.url));
  const args = ['--openssl-legacy-provider', script, JSON.stringify({ directory, bucket })];
  const [cmd, argv] = opts.cpu === undefined ? [process.execPath, args] : pinned(opts.cpu, process.execPath, args);
  // stdin is a pipe only so the server sees its end when the bench exits, however it exits.
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    const line = once(createInterface({ input: child.stdout! }), 'line');
    const first = await Promise.race([line, exited.then(([code]) => Promise.reject(new Error(`s3rver exited before listening (${String(code)})`)))]);
    const { port } = JSON.parse(String(first[0])) as { port: number };
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      pid: child.pid!,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw err;
  }
}

/** Uploads `objects` (key and body), eight at a time. */
export async function putObjects(client: S3Client, bucket: string, objects: Iterable<[key: string, body: Uint8Array]>): Promise<void> {
  const it = objects[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let n = it.next(); !n.done; n = it.next()) {
      const [key, body] = n.value;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Counts the commands `client` sends, by name (`ListObjectsV2Command`…), with an SDK middleware at the
 * initialize step: one count per command, whatever its retries. Returns the live tally.
 */
export function countCommands(client: S3Client): Map<string, number> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'hotfsBenchCountCommands' },
  );
  return calls;
}

/** Where the HTTP run's S3 server ran and what its bucket held, for the report. */
export interface S3HttpInfo {
  /** The CPU list s3rver was pinned to, or null when it ran unpinned. */
  cpu: string | null;
  objects: number;
  bytes: number;
}

/**
 * Starts s3rver for the HTTP run and uploads, once, the fixture files the S3 contenders' cases
 * request (the key is the path without its leading `/`), so the S3 and directory contenders answer
 * the same bytes at the same paths. Returns the server, the environment the contender processes
 * need, and what to report.
 */
export async function s3ForHttp(root: string, paths: readonly string[], cpu?: string): Promise<{ server: S3Server; env: Record<string, string>; info: S3HttpInfo }> {
  const server = await startS3rver(cpu === undefined ? {} : { cpu });
  try {
    const files = [...new Set(paths)].map((p): [string, Uint8Array] => [p.slice(1), readFileSync(join(root, p))]);
    const client = s3Client(server);
    await putObjects(client, server.bucket, files);
    client.destroy();
    const target: S3Target = { endpoint: server.endpoint, bucket: server.bucket };
    return { server, env: { [S3_ENV]: JSON.stringify(target) }, info: { cpu: cpu ?? null, objects: files.length, bytes: files.reduce((n, [, b]) => n + b.length, 0) } };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
