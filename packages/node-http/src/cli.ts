#!/usr/bin/env node
/**
 * The `hotfs` command: serve a directory over HTTP, like Go's `http.FileServer` example.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { MemFS, type FileSystem } from '@hotfs/core';
import { CACHE_DEFAULTS, openServed, type BackendKind, type BackendOptions, type Root } from './backend.js';
import { parseCli, parseS3Path, UsageError, usage } from './cli-args.js';
import { cliOutput } from './cli-log.js';
import { describeError, requestLogger } from './request-logger.js';
import { createServer } from './server.js';
import { clusterWorkerName, namedLogger, serveWithWorkers } from './cli-workers.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** How long in-flight responses may run after SIGINT or SIGTERM before they are cut. */
const DRAIN_MS = 10_000;

/** Runs the command; resolves to the process exit code once the server has stopped. */
async function main(args: string[]): Promise<number> {
  let config;
  try {
    // Every value is checked here, before anything is opened: a bad flag can leave nothing running.
    config = parseCli(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`hotfs: ${err.message}\nRun 'hotfs --help' for usage.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (config === 'version') {
    process.stdout.write(`hotfs ${version()}\n`);
    return 0;
  }
  const roots: Root[] = config.paths.map((path) => parseS3Path(path) ?? resolve(path));
  const output = cliOutput(config.log);
  const prefix = config.handler.prefix ?? '/';
  const shown = config.host === undefined ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const shownRoots = roots.map((root) => (typeof root === 'string' ? root : `s3://${root.bucket}/${root.prefix}`));
  const describe = (port: number): string[] => [
    `hotfs: serving ${shownRoots.join(' over ')}${roots.length > 1 ? ' (overlay: the first that has a path wins)' : ''} (${describeBackend(config.backend, config.backendOptions, roots)})`,
    `hotfs: listening on http://${shown}:${port}${encodeURI(prefix.endsWith('/') ? prefix : prefix + '/')}${config.host === undefined ? ' (all interfaces)' : ''}`,
  ];
  const worker = clusterWorkerName();
  if (config.workers > 1 && worker === undefined) return serveWithWorkers(config, roots, output, describe);
  const logger = namedLogger(output.logger, worker);
  const { progress } = output;
  let fs: FileSystem;
  try {
    fs = await openServed(config.backend, roots, {
      ...config.backendOptions,
      logger,
      verbose: config.log === 'verbose',
      ...(progress === undefined ? {} : { progress }),
    });
  } catch (err) {
    logger.error(`hotfs: ${(err as Error).message}`);
    return 1;
  }
  // A mirror that is still loading answers from the disk: say so, once, after the listening line.
  let mirroring = fs instanceof MemFS;
  if (fs instanceof MemFS) void fs.mirrored().then(() => (mirroring = false));
  let server: Server | undefined;
  try {
    // createServer, not node:http's: a timeout set on the server afterwards would be swept only every 30 s.
    server = createServer(fs, { ...config.handler, ...config.server, logger: requestLogger(logger, { verbose: config.log === 'verbose' }) });
    await listen(server, config.port, config.host);
  } catch (err) {
    logger.error(`hotfs: ${server ? `cannot listen on ${config.host ?? ''}:${config.port}: ` : ''}${(err as Error).message}`);
    await closeWithin(fs, 5000);
    return 1;
  }
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : config.port;
  // Handlers first: a signal that arrives right after the announcement must still stop cleanly.
  const stop = stopped(server, () => logger.info(`hotfs: shutting down (responses in flight get up to ${DRAIN_MS / 1000} s)`));
  // A node:cluster process leaves the announcement to its primary.
  if (worker === undefined) for (const line of describe(port)) logger.info(line);
  else process.send?.({ hotfsListening: port });
  if (mirroring) logger.info('hotfs: mirroring in the background; until it is done, answers come from the disk');
  await stop;
  await fs.close();
  logger.info('hotfs: stopped');
  return 0;
}

/** `mem backend`, with what it means where it is not obvious: how fresh, how much held. */
function describeBackend(kind: BackendKind, options: BackendOptions, roots: readonly Root[]): string {
  const s3 = roots.some((root) => typeof root !== 'string');
  const seconds = (ms: number) => `${ms / 1000} s`;
  if (kind === 'cache') {
    const mib = (options.maxBytes ?? CACHE_DEFAULTS.maxBytes) / 1024 / 1024;
    return `cache backend: up to ${Number(mib.toFixed(1))} MiB held, revalidated after ${seconds(options.cacheMaxAge ?? CACHE_DEFAULTS.maxAge)}`;
  }
  if (!s3) return `${kind} backend`;
  if (kind === 'direct') return 'direct backend: every request goes to S3';
  const interval = options.reconcileIntervalMs ?? 15_000;
  return `mem backend: a mirror in memory, ${interval === 0 ? 'never reconciled' : `reconciled with S3 every ${seconds(interval)}`}`;
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
}

// Resolves after SIGINT or SIGTERM once in-flight responses are done. Keep-alive connections are
// closed as soon as they are idle (checked every 100 ms, so a response that just finished does not
// hold the exit for the keep-alive timeout); anything still busy after DRAIN_MS is cut.
function stopped(server: Server, onSignal: () => void): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      onSignal();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        done();
      });
      server.closeIdleConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// On a failure path the backend is closed, but a close that never settles must not keep the process.
async function closeWithin(fs: FileSystem, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([fs.close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

main(process.argv.slice(2)).then(
  (code) => {
    // A failure exits at once: whatever a half-started backend left behind must not keep it running.
    if (code === 0) process.exitCode = 0;
    // A node:cluster process: its channel to the primary would keep it running.
    if (code === 0 && clusterWorkerName() !== undefined) process.disconnect?.();
    else process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`hotfs: ${describeError(err)}\n`);
    process.exit(1);
  },
);
