/**
 * The `hotfs` command with `--workers N`: worker threads sharing one mirror where this Node has
 * `reusePort`, node:cluster processes (each with its own mirror) where it has not.
 * @module
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import type { FileSystem, Logger } from '@hotfs/core';
import { MemFS } from '@hotfs/core';
import { openServed, type Root } from './backend.js';
import type { CliConfig } from './cli-args.js';
import type { CliOutput } from './cli-log.js';
import { hasReusePort, serveWorkers } from './workers.js';

/** How long in-flight responses may run after SIGINT or SIGTERM before they are cut. */
const DRAIN_MS = 10_000;

/** The name a node:cluster process of the command logs under (`[worker 2]`), from its environment. */
export function clusterWorkerName(): string | undefined {
  return cluster.isWorker ? process.env['HOTFS_WORKER_NAME'] : undefined;
}

/** Every line prefixed with `[name]`, so the log tells the workers apart. */
export function namedLogger(logger: Logger, name: string | undefined): Logger {
  if (name === undefined) return logger;
  return { info: (m) => logger.info(`[${name}] ${m}`), warn: (m) => logger.warn(`[${name}] ${m}`), error: (m) => logger.error(`[${name}] ${m}`) };
}

/** Serves with `config.workers` threads or processes; resolves to the exit code once stopped. */
export async function serveWithWorkers(config: CliConfig, roots: Root[], output: CliOutput, describe: (port: number) => string[]): Promise<number> {
  const { logger } = output;
  if (!(await hasReusePort())) return clusterPrimary(config, logger, describe);
  const verbose = config.log === 'verbose';
  // One directory on the mem backend: one mirror in shared memory for every thread. Anything else
  // (disk, a zip, an overlay): each thread opens its own.
  const root = roots[0];
  const shared = config.backend === 'mem' && roots.length === 1 && typeof root === 'string' && !/\.zip$/i.test(root);
  let fs: FileSystem | undefined;
  try {
    if (shared) {
      fs = await openServed('mem', roots, { ...config.backendOptions, shared: true, logger, verbose, ...(output.progress ? { progress: output.progress } : {}) });
    }
  } catch (err) {
    logger.error(`hotfs: ${(err as Error).message}`);
    return 1;
  }
  let pool;
  try {
    pool = await serveWorkers(fs instanceof MemFS ? fs : { backend: config.backend, paths: roots, options: config.backendOptions }, {
      workers: config.workers,
      port: config.port,
      ...(config.host === undefined ? {} : { host: config.host }),
      server: { ...config.handler, ...config.server },
      log: config.log,
      logger,
      drainMs: DRAIN_MS,
    });
  } catch (err) {
    logger.error(`hotfs: cannot start the workers: ${(err as Error).message}`);
    await fs?.close().catch(() => {});
    return 1;
  }
  const stop = signalled(() => logger.info(`hotfs: shutting down (responses in flight get up to ${DRAIN_MS / 1000} s)`));
  const [serving, ...rest] = describe(pool.port);
  const how = shared ? 'sharing one mirror' : 'each with its own backend';
  logger.info(`${serving} with ${config.workers} worker threads ${how}`);
  for (const line of rest) logger.info(line);
  await stop;
  await pool.close();
  await fs?.close();
  logger.info('hotfs: stopped');
  return 0;
}

// Resolves at the first SIGINT or SIGTERM.
function signalled(onSignal: () => void): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      onSignal();
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * The primary of node:cluster: forks the command itself N times (each child serves alone, with its
 * own mirror; node:cluster shares the port between them), replaces a child that dies, and on
 * SIGTERM passes it on to every child and waits for each to drain.
 */
async function clusterPrimary(config: CliConfig, logger: Logger, describe: (port: number) => string[]): Promise<number> {
  const count = config.workers;
  const children = new Map<ClusterWorker, number>();
  let closing = false;
  let announced = false;
  const fork = (index: number): void => {
    const child = cluster.fork({ HOTFS_WORKER_NAME: `worker ${index + 1}` });
    children.set(child, index);
    child.on('message', (message: { hotfsListening?: number }) => {
      if (message.hotfsListening === undefined || announced) return;
      announced = true;
      const [serving, ...rest] = describe(message.hotfsListening);
      logger.info(`${serving} with ${count} processes (node:cluster: this Node has no reusePort), each with its own mirror`);
      for (const line of rest) logger.info(line);
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (closing) return;
      logger.error(`hotfs: worker ${index + 1} exited (${signal ?? `code ${code}`}); starting another`);
      fork(index);
    });
  };
  // The children run this same command: argv is inherited, the environment marks them.
  for (let i = 0; i < count; i++) fork(i);
  await signalled(() => logger.info(`hotfs: shutting down (responses in flight get up to ${DRAIN_MS / 1000} s)`));
  closing = true;
  await Promise.all(
    [...children.keys()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.isDead()) return resolve();
          child.once('exit', () => resolve());
          child.process.kill('SIGTERM');
        }),
    ),
  );
  logger.info('hotfs: stopped');
  return 0;
}
