/**
 * The `hotfs` command line: flags, their complete validation and the usage text. No side effects and
 * nothing opened: every value is checked here, by the same checks the handler, the server and the
 * backend run, so a bad value fails before a watcher or a socket exists.
 * @module
 */
import { parseArgs } from 'node:util';
import { parseWorkers } from './cli-values.js';
import { checkBackendOptions, type BackendKind, type BackendOptions } from './backend.js';
import { parseHeaderRule, parseOrigins, takeBareFlags } from './cli-serving.js';
import { MAX_TIMER_MS, UsageError, parseAddr, parseDuration, parseEndpoint, parseHeaders, parseIndex, parseRegExp, parseS3Path, parseSize, usageError } from './cli-values.js';
import { resolveOptions, type HandlerOptions } from './options.js';
import { KEEP_ALIVE_TIMEOUT, serverTimeouts } from './server.js';

export { UsageError, parseAddr, parseS3Path } from './cli-values.js';
export { usage } from './cli-usage.js';

/** How much the command writes. */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

/** Parsed and validated command line. */
export interface CliConfig {
  /** What to serve, upper-most first: directories, .zip archives and s3:// locations; more than one is their overlay. */
  paths: string[];
  host: string | undefined;
  port: number;
  backend: BackendKind;
  /** `quiet`: errors only; `normal`: also startup, shutdown, warnings; `verbose`: also every request and change. */
  log: LogLevel;
  /** Handler options (the command adds the logger). */
  handler: Omit<HandlerOptions, 'logger' | 'fallthrough'>;
  /**
   * Server timeouts in ms. The keep-alive default is 65 s, not Node's 5 s: Node counts it from when a
   * response is handed to the kernel, so a client still reading a large body reuses the connection
   * just as the server closes it ('socket hang up'). nginx keeps 75 s.
   */
  server: { headersTimeout?: number; requestTimeout?: number; keepAliveTimeout: number };
  /** Options of the chosen backend (the command adds logger, verbose and progress). */
  backendOptions: BackendOptions;
  /** Threads (or processes where this Node has no reusePort) that serve; 1 serves from the main thread. */
  workers: number;
}

const options = {
  path: { type: 'string', multiple: true },
  addr: { type: 'string', default: '127.0.0.1:9999' },
  backend: { type: 'string', default: 'mem' },
  prefix: { type: 'string', default: '/memfs/' },
  dotfiles: { type: 'string', default: 'ignore' },
  index: { type: 'string', multiple: true },
  'no-index': { type: 'boolean' },
  listing: { type: 'boolean' },
  'no-listing': { type: 'boolean' },
  'max-age': { type: 'string' },
  immutable: { type: 'boolean' },
  header: { type: 'string', multiple: true },
  precompressed: { type: 'boolean' },
  'header-rule': { type: 'string', multiple: true },
  single: { type: 'string' },
  cors: { type: 'string', multiple: true },
  live: { type: 'boolean' },
  symlinks: { type: 'string' },
  io: { type: 'string' },
  ignore: { type: 'string' },
  'max-file-size': { type: 'string' },
  'max-bytes': { type: 'string' },
  settle: { type: 'string' },
  'reconcile-interval': { type: 'string' },
  'cache-max-age': { type: 'string' },
  's3-endpoint': { type: 'string' },
  'no-watch': { type: 'boolean' },
  'wait-for-mirror': { type: 'boolean' },
  'no-compress': { type: 'boolean' },
  'headers-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  workers: { type: 'string' },
} as const;

/** Flags that only some backends have: given with another, they would be silently without effect. */
const onlyFor: Record<string, readonly BackendKind[]> = {
  io: ['disk', 'direct', 'cache'],
  ignore: ['mem'],
  'max-file-size': ['mem', 'cache'],
  'max-bytes': ['mem', 'cache'],
  'cache-max-age': ['cache'],
  settle: ['mem'],
  'reconcile-interval': ['mem'],
  'no-watch': ['mem'],
  'wait-for-mirror': ['mem'],
  'no-compress': ['mem'],
  // Live reload needs a change feed, which only the mirror has.
  live: ['mem'],
};

/** Flags about a host directory: refused when every --path is s3://. */
const directoryOnly = ['symlinks', 'io', 'settle', 'no-watch'];

/** Library option names, for reporting a library's TypeError under the flag that set the value. */
const flagOf: Record<string, string> = {
  prefix: '--prefix',
  dotfiles: '--dotfiles',
  index: '--index',
  listing: '--listing',
  maxAge: '--max-age',
  immutable: '--immutable',
  headers: '--header',
  precompressed: '--precompressed',
  single: '--single',
  cors: '--cors',
  live: '--live',
  headersTimeout: '--headers-timeout',
  requestTimeout: '--request-timeout',
  keepAliveTimeout: '--keep-alive-timeout',
  symlinks: '--symlinks',
  io: '--io',
  ignore: '--ignore',
  maxFileSize: '--max-file-size',
  maxBytes: '--max-bytes',
  settleMs: '--settle',
  reconcileIntervalMs: '--reconcile-interval',
  watch: '--no-watch',
  serveWhileLoading: '--wait-for-mirror',
  compress: '--no-compress',
};

/** Parses and validates the arguments. @throws UsageError naming the flag for anything wrong. */
export function parseCli(args: string[]): CliConfig | 'help' | 'version' {
  let values;
  // --single and --cors take an optional value: alone, or with '='.
  const { args: rest, bare } = takeBareFlags(args, ['single', 'cors']);
  try {
    ({ values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  const conflict = (a: string, b: string): void => {
    if (values[a as keyof typeof values] !== undefined && values[b as keyof typeof values] !== undefined) throw new UsageError(`--${a} and --${b} cannot be combined`);
  };
  conflict('verbose', 'quiet');
  conflict('index', 'no-index');
  conflict('listing', 'no-listing');
  for (const name of bare) if (values[name as 'single' | 'cors'] !== undefined) throw new UsageError(`--${name} and --${name}=… cannot be combined`);

  const backend = values.backend;
  if (backend !== 'mem' && backend !== 'disk' && backend !== 'cache' && backend !== 'direct') throw usageError('--backend', 'must be mem, cache, direct or disk', backend);
  for (const [name, kinds] of Object.entries(onlyFor)) {
    if (values[name as keyof typeof values] !== undefined && !kinds.includes(backend)) {
      throw new UsageError(`--${name}: applies to --backend ${kinds.join('/')} only, and this is --backend ${backend} (a flag without effect would be a surprise)`);
    }
  }
  const dotfiles = values.dotfiles;
  if (dotfiles !== 'ignore' && dotfiles !== 'allow' && dotfiles !== 'deny') throw usageError('--dotfiles', 'must be ignore, deny or allow', dotfiles);
  const paths = values.path ?? ['.'];
  for (const path of paths) if (path === '') throw usageError('--path', 'must not be empty', path);
  const s3 = paths.filter((path) => parseS3Path(path) !== undefined);
  if (s3.length > 0 && backend === 'disk') throw usageError('--backend', 'disk has no meaning for an s3:// path: use mem, cache or direct', backend);
  if (s3.length === paths.length) {
    for (const name of directoryOnly) {
      if (values[name as keyof typeof values] !== undefined) throw new UsageError(`--${name}: applies to a directory, and every --path is s3:// (${s3.join(', ')})`);
    }
  }
  if (s3.length === 0 && values['s3-endpoint'] !== undefined) throw new UsageError('--s3-endpoint: applies to an s3:// --path only, and none is given');

  const handler: CliConfig['handler'] = {
    prefix: values.prefix,
    dotfiles,
    ...(values.index === undefined ? {} : { index: parseIndex(values.index) }),
    ...(values['no-index'] ? { index: false as const } : {}),
    ...(values.listing ? { listing: true } : values['no-listing'] ? { listing: false } : {}),
    ...(values['max-age'] === undefined ? {} : { maxAge: parseDuration(values['max-age'], '--max-age', { bare: 's', unit: 's' }) }),
    ...(values.immutable ? { immutable: true } : {}),
    ...(values.header === undefined ? {} : { headers: parseHeaders(values.header) }),
    ...(values.precompressed ? { precompressed: true } : {}),
    ...(bare.has('single') ? { single: true } : defined('single', values.single)),
    ...(bare.has('cors') ? { cors: true } : values.cors === undefined ? {} : { cors: parseOrigins(values.cors) }),
    ...(values.live ? { live: true } : {}),
  };
  const rules = values['header-rule']?.map((text) => parseHeaderRule(text, handler.cors !== undefined));
  if (rules !== undefined) handler.headerRules = rules;
  const timeout = (flag: 'headers-timeout' | 'request-timeout' | 'keep-alive-timeout' | 'settle' | 'reconcile-interval'): number | undefined => {
    const text = values[flag];
    return text === undefined ? undefined : parseDuration(text, `--${flag}`, { bare: 'ms', unit: 'ms', max: MAX_TIMER_MS });
  };
  const server: CliConfig['server'] = {
    ...defined('headersTimeout', timeout('headers-timeout')),
    ...defined('requestTimeout', timeout('request-timeout')),
    keepAliveTimeout: timeout('keep-alive-timeout') ?? KEEP_ALIVE_TIMEOUT,
  };
  const backendOptions: BackendOptions = {
    dotfiles,
    ...defined('symlinks', values.symlinks as BackendOptions['symlinks']),
    ...defined('io', values.io as BackendOptions['io']),
    ...(values.ignore === undefined ? {} : { ignore: parseRegExp(values.ignore, '--ignore') }),
    ...(values['max-file-size'] === undefined ? {} : { maxFileSize: parseSize(values['max-file-size'], '--max-file-size') }),
    ...(values['max-bytes'] === undefined ? {} : { maxBytes: parseSize(values['max-bytes'], '--max-bytes') }),
    ...defined('settleMs', timeout('settle')),
    ...defined('reconcileIntervalMs', timeout('reconcile-interval')),
    ...(values['cache-max-age'] === undefined ? {} : { cacheMaxAge: parseDuration(values['cache-max-age'], '--cache-max-age', { bare: 'ms', unit: 'ms', max: MAX_TIMER_MS }) }),
    ...(values['s3-endpoint'] === undefined ? {} : { s3Endpoint: parseEndpoint(values['s3-endpoint']) }),
    ...(values['no-watch'] ? { watch: false } : {}),
    // It answers at once, from the disk until the mirror is complete, and compresses what it holds.
    ...(backend === 'mem' ? { serveWhileLoading: !values['wait-for-mirror'], compress: !values['no-compress'] } : {}),
  };
  // The libraries' own checks, so the command accepts exactly what they accept.
  asUsage(() => resolveOptions(handler));
  asUsage(() => serverTimeouts(server.headersTimeout, server.requestTimeout));
  asUsage(() => checkBackendOptions(backend, backendOptions));

  return {
    paths,
    ...parseAddr(values.addr),
    backend,
    log: values.quiet ? 'quiet' : values.verbose ? 'verbose' : 'normal',
    handler,
    server,
    backendOptions,
    workers: parseWorkers(values.workers),
  };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// A library's "option 'maxAge' must be …; got -1" becomes "--max-age: must be … (got -1)".
function asUsage(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    // CacheFS names itself first: the flag is name enough.
    err.message = err.message.replace(/^CacheFS option/, 'option');
    const lead = /^option '(\w+)' /.exec(err.message);
    // Quoted values ('ignore', 'sync') stay; option names are camelCase or follow "option".
    let message = err.message.replace(/(option )?'(\w+)'/g, (whole, option: string | undefined, name: string) => ((option || /[A-Z]/.test(name)) && flagOf[name]) || whole);
    if (lead && flagOf[lead[1]!]) message = `${flagOf[lead[1]!]}: ${message.slice(flagOf[lead[1]!]!.length + 1)}`;
    throw new UsageError(message.replace(/; got (.*)$/, ' (got $1)'));
  }
}
