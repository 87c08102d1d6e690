/**
 * What the main thread and the worker threads of {@link serveWorkers} tell each other. Data only:
 * everything crosses by structured clone (the replica port by transfer).
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import type { BackendKind, BackendOptions, Root } from './backend.js';
import type { LogLevel } from './cli-args.js';
import type { ServerOptions } from './server.js';

/** A backend each worker opens for itself: options are data only (no logger, no progress callback). */
export interface WorkerBackend {
  readonly backend: BackendKind;
  /** Directories, .zip archives or S3 locations, upper-most first; more than one is their overlay. */
  readonly paths: readonly Root[];
  readonly options?: Omit<BackendOptions, 'logger' | 'progress'>;
}

/** Server and handler options that can cross to a thread: everything but the logger. */
export type WorkerServerOptions = Omit<ServerOptions, 'logger'>;

/** The `workerData` of one thread. */
export interface ThreadData {
  readonly name: string;
  readonly source: { readonly replica: MessagePort } | WorkerBackend;
  readonly port: number;
  readonly host: string | undefined;
  readonly server: WorkerServerOptions;
  readonly log: LogLevel;
}

export type ToThread = { readonly type: 'drain'; readonly ms: number };
export type ToMain = { readonly type: 'listening'; readonly port: number } | { readonly type: 'drained' };
