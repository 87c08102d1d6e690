#!/usr/bin/env node
/**
 * The `hotfs` command: serve a directory over HTTP, like Go's `http.FileServer` example.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import type { FileSystem } from '@hotfs/core';
import { openBackend } from './backend.js';
import { parseCli, UsageError, usage } from './cli-args.js';
import type { RequestLog } from './options.js';
import { createServer } from './server.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command; resolves to the process exit code once the server has stopped. */
async function main(args: string[]): Promise<number> {
  let config;
  try {
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
  const root = resolve(config.path);
  // On a terminal, a progress line is redrawn in place on stderr while a large tree is mirrored;
  // the next log line clears it first.
  let progressShown = false;
  const log = (line: string): void => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
    process.stdout.write(line + '\n');
  };
  const showProgress = ({ files, bytes }: { files: number; bytes: number }): void => {
    progressShown = true;
    process.stderr.write(`\rhotfs: mirroring… ${files} files, ${(bytes / 1048576).toFixed(1)} MiB\x1b[K`);
  };
  if (config.backend === 'disk' && (config.maxBytes !== undefined || config.maxFileSize !== undefined)) {
    process.stderr.write('hotfs: --max-file-size and --max-bytes apply to the mem backend only; ignored\n');
  }
  let fs: FileSystem;
  try {
    fs = await openBackend(config.backend, root, {
      verbose: config.verbose,
      logger: log,
      dotfiles: config.dotfiles,
      ...(config.maxFileSize === undefined ? {} : { maxFileSize: config.maxFileSize }),
      ...(config.maxBytes === undefined ? {} : { maxBytes: config.maxBytes }),
      ...(process.stderr.isTTY ? { progress: showProgress } : {}),
    });
  } catch (err) {
    process.stderr.write(`hotfs: ${(err as Error).message}\n`);
    return 1;
  }
  // createServer, not node:http's: a timeout set on the server afterwards would be swept only every 30 s.
  const server = createServer(fs, {
    prefix: config.prefix,
    dotfiles: config.dotfiles,
    // Internal causes only for 5xx (a 404's ENOENT is not news), and URLs capped: a hostile client
    // sending 16 KB targets must not be able to grow the log by 16 KB per request.
    logger: (e: RequestLog) => {
      const url = e.url.length > 300 ? `${e.url.slice(0, 300)}…(${e.url.length} chars)` : e.url;
      if (e.error !== undefined && e.status >= 500) process.stderr.write(`${e.method} ${url} ${e.status} ${describeError(e.error)}\n`);
      else if (config.verbose) log(`${e.method} ${url} ${e.status}`);
    },
    ...(config.headersTimeout === undefined ? {} : { headersTimeout: config.headersTimeout }),
    ...(config.requestTimeout === undefined ? {} : { requestTimeout: config.requestTimeout }),
    keepAliveTimeout: config.keepAliveTimeout,
  });
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    process.stderr.write(`hotfs: cannot listen on ${config.host ?? ''}:${config.port}: ${(err as Error).message}\n`);
    await fs.close();
    return 1;
  }
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : config.port;
  const shown = config.host === undefined ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const prefix = config.prefix.endsWith('/') ? config.prefix : config.prefix + '/';
  // Handlers first: a signal that arrives right after the announcement must still stop cleanly.
  const stop = stopped(server);
  log(`hotfs: serving ${root} (${config.backend} backend)`);
  log(`hotfs: listening on http://${shown}:${port}${encodeURI(prefix)}${config.host === undefined ? ' (all interfaces)' : ''}`);
  await stop;
  log('hotfs: shutting down');
  await fs.close();
  return 0;
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
// hold the exit for the keep-alive timeout); anything still busy after 10 s is cut.
function stopped(server: Server): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const cut = setTimeout(() => server.closeAllConnections(), 10_000);
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

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`hotfs: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
