/**
 * Serving with worker threads: N threads each run the HTTP handler on one port (`reusePort`), and
 * all of them serve ONE MemFS mirror that the main thread keeps.
 * @module
 */
import { createServer as createNetServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MemFS, MirrorPublisher, type Logger } from '@hotfs/core';
import type { LogLevel } from './cli-args.js';
import type { ThreadData, ToMain, WorkerBackend, WorkerServerOptions } from './worker-messages.js';

export type { WorkerBackend, WorkerServerOptions } from './worker-messages.js';

/** Options of {@link serveWorkers}. */
export interface WorkersOptions {
  /** How many threads serve; default `os.availableParallelism()`. */
  workers?: number;
  /** The port every thread listens on; 0 picks a free one (see {@link WorkerPool.port}). */
  port: number;
  /** The address; default all interfaces. */
  host?: string;
  /** Handler and server options of every thread (cloned into each: data only, no logger). */
  server?: WorkerServerOptions;
  /**
   * What each thread writes to its stdout and stderr, each line starting with `[worker N]`: `'quiet'`
   * errors only, `'normal'` (default) also warnings, `'verbose'` also one line per request.
   */
  log?: LogLevel;
  /** Where the pool reports a worker that died and its replacement; default `console`. */
  logger?: Logger;
  /** How long a worker's in-flight responses may run after {@link WorkerPool.close} before they are cut; default 10 s. */
  drainMs?: number;
}

/** The threads {@link serveWorkers} started. */
export interface WorkerPool {
  /** The port they listen on. */
  readonly port: number;
  /** The threads serving now (a dead one is replaced by a new Worker here). */
  readonly threads: readonly Worker[];
  /**
   * Stops every thread: each stops accepting, lets its in-flight responses finish (up to `drainMs`)
   * and closes what it opened. The mirror passed in stays open: its caller owns it.
   */
  close(): Promise<void>;
}

/**
 * Whether this Node and platform let two listeners share a port (`reusePort`, Node >= 22.12 and 23.1):
 * probed with two real listeners on 127.0.0.1. Node 20 ignores the option, so its second listener
 * fails with EADDRINUSE.
 */
export async function hasReusePort(): Promise<boolean> {
  const listen = (server: Server, port: number): Promise<boolean> =>
    new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', reusePort: true } as Parameters<Server['listen']>[0], () => resolve(true));
    });
  const [a, b] = [createNetServer(), createNetServer()];
  try {
    if (!(await listen(a, 0))) return false;
    return await listen(b, (a.address() as { port: number }).port);
  } finally {
    await Promise.all([a, b].map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  }
}

/**
 * Serves `source` from worker threads on one port. A {@link MemFS} made with `shared: true` is served
 * to every thread as ONE mirror: each thread gets a {@link ReplicaFS} over a {@link MirrorPublisher},
 * so the bytes live once in shared memory. A {@link WorkerBackend} is opened by each thread for
 * itself (DiskFS, a zip, an overlay; a `mem` backend that way makes one mirror per thread). Needs
 * `reusePort` ({@link hasReusePort}); without it, run node:cluster processes instead (as the
 * `hotfs` command does). A thread that dies is replaced, and reported to `logger`.
 * @throws Error when this Node has no `reusePort`, or a thread cannot start (the port is taken, a
 * backend cannot open; the others are stopped then); TypeError for a bad `workers`.
 *
 * @example
 * ```ts
 * const mirror = await MemFS.mirror('./public', { shared: true });
 * const pool = await serveWorkers(mirror, { workers: 4, port: 8080, server: { prefix: '/' } });
 * process.on('SIGTERM', () => void pool.close().then(() => mirror.close()));
 * ```
 */
export async function serveWorkers(source: MemFS | WorkerBackend, options: WorkersOptions): Promise<WorkerPool> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isSafeInteger(count) || count < 1) throw new TypeError(`option 'workers' must be an integer >= 1; got ${String(options.workers)}`);
  // Without it the second thread's listen fails with EADDRINUSE: said plainly instead.
  if (count > 1 && !(await hasReusePort())) throw new Error('serveWorkers needs reusePort (Node >= 22.12); use node:cluster processes on this Node');
  const logger = options.logger ?? console;
  const drainMs = options.drainMs ?? 10_000;
  const publisher = source instanceof MemFS ? new MirrorPublisher(source) : undefined;
  const threads: Worker[] = [];
  const drained = new Set<Worker>();
  const exited = new Set<Worker>();
  let closing = false;
  let port = options.port;

  const start = (index: number): Promise<Worker> => {
    const replica = publisher?.connect();
    const data: ThreadData = {
      name: `worker ${index + 1}`,
      source: replica ? { replica } : (source as WorkerBackend),
      port,
      host: options.host,
      server: options.server ?? {},
      log: options.log ?? 'normal',
    };
    const worker = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: data, transferList: replica ? [replica] : [] });
    threads[index] = worker;
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (message: ToMain) => {
        if (message.type === 'listening') {
          listening = true;
          port = message.port;
          resolve(worker);
        } else drained.add(worker);
      });
      worker.on('error', (err) => {
        if (!listening) reject(err);
        else logger.error(`hotfs: worker ${index + 1} failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        exited.add(worker);
        if (!listening) return reject(new Error(`worker ${index + 1} exited (code ${code}) before it listened`));
        if (closing || drained.has(worker) || threads[index] !== worker) return;
        logger.error(`hotfs: worker ${index + 1} exited (code ${code}); starting another`);
        start(index).catch((err: unknown) => logger.error(`hotfs: cannot replace worker ${index + 1}: ${(err as Error).message}`));
      });
    });
  };

  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      threads.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (exited.has(worker)) return resolve();
            worker.once('exit', () => resolve());
            worker.postMessage({ type: 'drain', ms: drainMs });
          }),
      ),
    );
    await publisher?.close();
  };

  try {
    // The first one alone: with port 0 it picks the port the others share.
    await start(0);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)));
  } catch (err) {
    closing = true;
    await Promise.all(threads.map((worker) => worker.terminate()));
    await publisher?.close();
    throw err;
  }
  return { port, threads, close };
}
