/**
 * Parsers for the values of `hotfs` flags: durations, sizes, addresses, headers. Pure; each throws a
 * {@link UsageError} that names the flag and says what is wrong with the value.
 * @module
 */
import { availableParallelism } from 'node:os';
import { isIPv6 } from 'node:net';

/** A command-line mistake: reported on stderr with exit code 2. */
export class UsageError extends Error {}

/** `--flag: what is wrong (got "value")`. */
export function usageError(flag: string, problem: string, value?: string): UsageError {
  return new UsageError(`${flag}: ${problem}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
}

/** The longest timer Node keeps: anything longer fires at once (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration: a whole number with a unit, `500ms`, `10s`, `5m`, `1h`, `7d`, or a bare number in
 * `bare` units (milliseconds for the timeouts, which took bare milliseconds first; seconds for
 * `--max-age`, as in Cache-Control). Returns it in `unit`, which must come out whole.
 */
export function parseDuration(text: string, flag: string, { bare, unit, max }: { bare: 'ms' | 's'; unit: 'ms' | 's'; max?: number }): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text);
  if (!m)
    throw usageError(
      flag,
      `must be a duration like ${bare === 's' ? '60, 10s, 5m, 1h or 7d (bare numbers are seconds)' : '500ms, 10s, 5m or 1h (bare numbers are milliseconds)'}`,
      text,
    );
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? bare) as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw usageError(flag, 'is too large', text);
  if (unit === 's' && ms % 1000 !== 0) throw usageError(flag, 'must be a whole number of seconds', text);
  const value = unit === 's' ? ms / 1000 : ms;
  if (max !== undefined && value > max)
    throw usageError(flag, `must be at most ${max} ${unit === 's' ? 'seconds' : 'ms'} (about ${Math.floor((unit === 's' ? max * 1000 : max) / UNIT_MS.d)} days)`, text);
  return value;
}

/** A size in bytes: `1048576`, `512k`, `64m`, `2g` (powers of 1024; `kb`, `KiB`… accepted too). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(text);
  if (!m) throw usageError(flag, 'must be a size in bytes like 1048576, 512k, 64m or 2g', text);
  const n = Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (!Number.isSafeInteger(n)) throw usageError(flag, 'is too large', text);
  return n;
}

/** `:9999` (all interfaces, like Go), `host:9999`, `[::1]:9999`. */
export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw usageError('--addr', 'must be host:port or :port', addr);
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw usageError('--addr', `has an invalid port ${JSON.stringify(portText)}`, addr);
  if (host.startsWith('[') || host.endsWith(']')) {
    // An empty or malformed bracket would otherwise mean "every interface", the opposite of intended.
    const inner = /^\[([^\]]*)\]$/.exec(host)?.[1];
    if (inner === undefined || !isIPv6(inner)) throw usageError('--addr', 'has no valid IPv6 address between its brackets', addr);
    host = inner;
  } else if (host.includes(':')) {
    throw usageError('--addr', 'write IPv6 hosts in brackets, like [::1]:9999', addr);
  }
  return { host: host === '' ? undefined : host, port };
}

/** `--header 'Name: value'`, repeatable; a name given twice (in any case) is refused, not merged. */
export function parseHeaders(texts: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const text of texts) {
    const colon = text.indexOf(':');
    if (colon <= 0) throw usageError('--header', "must be 'Name: value'", text);
    const name = text.slice(0, colon).trim();
    if (seen.has(name.toLowerCase())) throw usageError('--header', `${name} is given twice`, text);
    seen.add(name.toLowerCase());
    headers[name] = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  }
  return headers;
}

/** `--index a,b --index c` → `['a', 'b', 'c']`: file names, each checked here to say which one is wrong. */
export function parseIndex(texts: readonly string[]): string[] {
  const names = texts.flatMap((t) => t.split(','));
  for (const name of names) {
    if (name === '' || name.includes('/') || name === '.' || name === '..')
      throw usageError('--index', `${JSON.stringify(name)} is not a file name (not empty, no '/', not . or ..)`, texts.join(' '));
  }
  return names;
}

/** A RegExp from its source, as `--ignore` takes it (tested against hotfs paths like `/node_modules`). */
export function parseRegExp(text: string, flag: string): RegExp {
  if (text === '') throw usageError(flag, 'must not be empty (it would match every path)', text);
  try {
    return new RegExp(text);
  } catch (err) {
    throw usageError(flag, `is not a valid regular expression: ${(err as Error).message}`, text);
  }
}

/** `--workers`: a count from 1 to 1024, or `auto` (the available parallelism); absent is 1. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === 'auto') return availableParallelism();
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 1024) throw usageError('--workers', 'must be a whole number from 1 to 1024, or auto', text);
  return Number(text);
}

/** An `s3://bucket/prefix` path: the bucket, and the key prefix served as the root (`''` or ending in `/`). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * `s3://bucket` or `s3://bucket/some/prefix` → its bucket and prefix; `undefined` for anything not
 * starting with `s3://` (a directory or an archive). The prefix must be clean key segments, as
 * S3FS requires: no `//`, `.` or `..` segments.
 */
export function parseS3Path(text: string): S3Location | undefined {
  if (!/^s3:\/\//i.test(text)) return undefined;
  const rest = text.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw usageError('--path', 's3:// needs a bucket: s3://bucket or s3://bucket/prefix', text);
  if (!/^[A-Za-z0-9._-]+$/.test(bucket)) throw usageError('--path', `${JSON.stringify(bucket)} is not a bucket name (letters, digits, '.', '-', '_')`, text);
  if (prefix.includes('\0') || prefix.split('/').some((s, i, all) => (s === '' && i < all.length - 1) || s === '.' || s === '..')) {
    throw usageError('--path', "the prefix after the bucket must be clean key segments (no '//', '.' or '..')", text);
  }
  return { bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : prefix + '/' };
}

/** `--s3-endpoint`: an http(s) URL of an S3-compatible store. */
export function parseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError('--s3-endpoint', 'must be a URL like http://127.0.0.1:9000 or https://s3.example.com', text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('--s3-endpoint', 'must be an http:// or https:// URL', text);
  return text;
}
