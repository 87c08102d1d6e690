/**
 * The `hotfs` command line: flags, validation and usage text (no side effects, so it is testable).
 * @module
 */
import { parseArgs } from 'node:util';
import type { BackendKind } from './backend.js';
import type { DotfilesPolicy } from './options.js';

/** The `--help` text. */
export const usage = `Usage: hotfs [options]

Serve a directory over HTTP (GET/HEAD, ranges, conditional requests, listings).

Options:
  --path <dir>             directory to serve (default: .)
  --addr <addr>            where to listen: host:port, or :port for all interfaces
                           (default: 127.0.0.1:9999)
  --backend <mem|disk>     serve from memory (watched mirror) or straight from disk (default: mem)
  --prefix <path>          URL path to serve under (default: /memfs/)
  --dotfiles <policy>      ignore (404, default), deny (403) or allow
  --max-file-size <size>   mem backend: largest file kept in memory (bytes, or 10k/5m/1g)
  --max-bytes <size>       mem backend: total content kept in memory
  --headers-timeout <ms>   time to receive request headers (default: Node's, 60000)
  --request-timeout <ms>   time to receive a whole request (default: Node's, 300000)
  --keep-alive-timeout <ms>  how long an idle connection stays open (default: 65000)
  --verbose                log every request (default)
  --quiet                  log only startup, errors and shutdown
  --help                   show this help
  --version                show the version
`;

/** A command-line mistake: reported on stderr with exit code 2. */
export class UsageError extends Error {}

/** Parsed command line. */
export interface CliConfig {
  path: string;
  host: string | undefined;
  port: number;
  backend: BackendKind;
  prefix: string;
  dotfiles: DotfilesPolicy;
  verbose: boolean;
  maxFileSize: number | undefined;
  maxBytes: number | undefined;
  headersTimeout: number | undefined;
  requestTimeout: number | undefined;
  /**
   * Idle time before a keep-alive connection is closed. Node's 5 s is measured from when a response is
   * handed to the kernel, not from when the client has read it: a client still reading a large body
   * for seconds reuses the connection just as the server closes it ('socket hang up'). nginx keeps 75 s.
   */
  keepAliveTimeout: number;
}

/** Parses and validates the arguments. @throws UsageError for anything wrong. */
export function parseCli(args: string[]): CliConfig | 'help' | 'version' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        path: { type: 'string', default: '.' },
        addr: { type: 'string', default: '127.0.0.1:9999' },
        backend: { type: 'string', default: 'mem' },
        prefix: { type: 'string', default: '/memfs/' },
        dotfiles: { type: 'string', default: 'ignore' },
        'max-file-size': { type: 'string' },
        'max-bytes': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'keep-alive-timeout': { type: 'string', default: '65000' },
        verbose: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (values.verbose && values.quiet) throw new UsageError('--verbose and --quiet cannot be combined');
  const backend = values.backend;
  if (backend !== 'mem' && backend !== 'disk') throw new UsageError(`--backend must be mem or disk; got ${JSON.stringify(backend)}`);
  const dotfiles = values.dotfiles;
  if (dotfiles !== 'ignore' && dotfiles !== 'allow' && dotfiles !== 'deny') throw new UsageError(`--dotfiles must be ignore, deny or allow; got ${JSON.stringify(dotfiles)}`);
  const prefix = values.prefix;
  if (!prefix.startsWith('/')) throw new UsageError(`--prefix must start with /; got ${JSON.stringify(prefix)}`);
  if (values.path === '') throw new UsageError('--path must not be empty');
  return {
    path: values.path,
    ...parseAddr(values.addr),
    backend,
    prefix,
    dotfiles,
    verbose: !values.quiet,
    maxFileSize: size(values['max-file-size'], '--max-file-size'),
    maxBytes: size(values['max-bytes'], '--max-bytes'),
    headersTimeout: millis(values['headers-timeout'], '--headers-timeout'),
    requestTimeout: millis(values['request-timeout'], '--request-timeout'),
    keepAliveTimeout: millis(values['keep-alive-timeout'], '--keep-alive-timeout')!,
  };
}

/** `:9999` (all interfaces, like Go), `host:9999`, `[::1]:9999`. */
export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new UsageError(`--addr must be host:port or :port; got ${JSON.stringify(addr)}`);
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new UsageError(`--addr has an invalid port ${JSON.stringify(portText)}`);
  if (host.includes(':') && !addr.startsWith('[')) throw new UsageError(`--addr: write IPv6 hosts in brackets, like [::1]:9999; got ${JSON.stringify(addr)}`);
  return { host: host === '' ? undefined : host, port };
}

function size(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a size in bytes like 1048576, 512k, 64m or 2g; got ${JSON.stringify(text)}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} is too large`);
  return n;
}

function millis(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number of milliseconds; got ${JSON.stringify(text)}`);
  return Number(text);
}
