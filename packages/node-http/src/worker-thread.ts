/**
 * The body of each worker thread of {@link serveWorkers}: opens what it serves (a replica of the main
 * thread's mirror, or a backend of its own), listens with `reusePort` beside its siblings, and drains
 * when the main thread asks.
 * @module
 */
import type { Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { ReplicaFS, type FileSystem } from '@hotfs/core';
import { openServed } from './backend.js';
import { cliOutput } from './cli-log.js';
import { namedLogger } from './cli-workers.js';
import { requestLogger } from './request-logger.js';
import { createServer } from './server.js';
import type { ThreadData, ToMain, ToThread } from './worker-messages.js';

const data = workerData as ThreadData;
const port = parentPort!;
const send = (message: ToMain): void => port.postMessage(message);

const { logger } = cliOutput(data.log);
// Each line names the worker: the request log tells the threads apart without a header in responses.
const log = namedLogger(logger, data.name);
const fs: FileSystem =
  'replica' in data.source ? await ReplicaFS.connect(data.source.replica) : await openServed(data.source.backend, data.source.paths, { ...data.source.options, logger: log });
const server: Server = createServer(fs, { ...data.server, logger: requestLogger(log, { verbose: data.log === 'verbose' }) });
server.once('error', (err) => {
  throw err;
});
server.listen({ port: data.port, host: data.host, reusePort: true } as Parameters<Server['listen']>[0], () => {
  const bound = server.address();
  send({ type: 'listening', port: typeof bound === 'object' && bound !== null ? bound.port : data.port });
});

port.on('message', (message: ToThread) => {
  if (message.type === 'drain') drain(message.ms);
});

// As the command's own SIGTERM path: in-flight responses finish, idle keep-alive connections close
// at once, anything still busy after `ms` is cut.
function drain(ms: number): void {
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), ms);
  server.close(() => {
    clearInterval(sweep);
    clearTimeout(cut);
    void fs.close().finally(() => {
      send({ type: 'drained' });
      // Only this thread ends: whatever the backend left behind must not keep it running.
      process.exit(0);
    });
  });
  server.closeIdleConnections();
}
