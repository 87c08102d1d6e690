import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseAddr, parseCli, UsageError, type CliConfig } from '../src/cli-args.js';
import { MAX_TIMER_MS, parseDuration, parseHeaders, parseIndex, parseSize } from '../src/cli-values.js';

const ms = { bare: 'ms', unit: 'ms' } as const;
const seconds = { bare: 's', unit: 's' } as const;

function config(args: string[]): CliConfig {
  const c = parseCli(args);
  if (typeof c === 'string') throw new Error(`got ${c}`);
  return c;
}

describe('hotfs flag values', () => {
  it('parses addresses like Go', () => {
    expect(parseAddr(':9999')).toEqual({ host: undefined, port: 9999 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseAddr('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    expect(parseAddr('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['9999', 'host:', 'host:70000', 'host:-1', '::1:80', 'host:80x', '[]:9999', '[::1:9999', '::1]:9999', '[127.0.0.1]:80', '[[::1]]:80'])
      expect(() => parseAddr(bad), bad).toThrow(/^--addr: /);
  });

  it('parses durations with units, and bare numbers in the unit the flag always took', () => {
    expect(['500ms', '10s', '5m', '1h', '2d', '0', '250'].map((t) => parseDuration(t, '--x', ms))).toEqual([500, 10_000, 300_000, 3_600_000, 172_800_000, 0, 250]);
    expect(['60', '10s', '5m', '1h', '7d', '2000ms', '0ms'].map((t) => parseDuration(t, '--max-age', seconds))).toEqual([60, 10, 300, 3600, 604_800, 2, 0]);
  });

  it('refuses any other duration, naming the flag and the value', () => {
    for (const bad of ['', 'soon', '-1', '1.5s', '10 s', '10S', '1w', 's', '1h30m', '0x10', '1e3']) {
      expect(() => parseDuration(bad, '--settle', ms), bad).toThrow(UsageError);
      expect(() => parseDuration(bad, '--settle', ms), bad).toThrow(
        `--settle: must be a duration like 500ms, 10s, 5m or 1h (bare numbers are milliseconds) (got ${JSON.stringify(bad)})`,
      );
    }
    expect(() => parseDuration('1500ms', '--max-age', seconds)).toThrow('--max-age: must be a whole number of seconds (got "1500ms")');
    expect(() => parseDuration('99999999999999999d', '--x', ms)).toThrow(/--x: is too large/);
    expect(parseDuration(String(MAX_TIMER_MS), '--x', { ...ms, max: MAX_TIMER_MS })).toBe(MAX_TIMER_MS);
    expect(() => parseDuration('25d', '--keep-alive-timeout', { ...ms, max: MAX_TIMER_MS })).toThrow(/--keep-alive-timeout: must be at most 2147483647 ms \(about 24 days\)/);
  });

  it('parses sizes, header lines and index lists', () => {
    expect(['1048576', '512k', '64m', '2G', '1KiB', '3mb'].map((t) => parseSize(t, '--x'))).toEqual([1048576, 512 * 1024, 64 * 1024 ** 2, 2 * 1024 ** 3, 1024, 3 * 1024 ** 2]);
    for (const bad of ['lots', '-1', '1.5m', '1t', '']) expect(() => parseSize(bad, '--max-bytes'), bad).toThrow(/^--max-bytes: must be a size/);
    expect(parseHeaders(['X-Frame-Options: DENY', 'Access-Control-Allow-Origin:*', 'X-Empty:', 'X-Url: http://a:1/ '])).toEqual({
      'X-Frame-Options': 'DENY',
      'Access-Control-Allow-Origin': '*',
      'X-Empty': '',
      'X-Url': 'http://a:1/',
    });
    expect(() => parseHeaders(['NoColon'])).toThrow(`--header: must be 'Name: value' (got "NoColon")`);
    expect(() => parseHeaders([': x'])).toThrow(/^--header: must be 'Name: value'/);
    expect(() => parseHeaders(['X-A: 1', 'x-a: 2'])).toThrow(/^--header: x-a is given twice/);
    expect(parseIndex(['index.html,index.htm', 'default.htm'])).toEqual(['index.html', 'index.htm', 'default.htm']);
    for (const bad of [[''], ['a,'], ['a/b'], ['..']]) expect(() => parseIndex(bad), bad[0]).toThrow(/^--index: ".*" is not a file name/);
  });
});

describe('hotfs command line', () => {
  it('applies the documented defaults', () => {
    expect(parseCli([])).toEqual({
      paths: ['.'],
      host: '127.0.0.1',
      port: 9999,
      backend: 'mem',
      log: 'normal',
      handler: { prefix: '/memfs/', dotfiles: 'ignore' },
      server: { keepAliveTimeout: 65_000 },
      backendOptions: { dotfiles: 'ignore', serveWhileLoading: true, compress: true },
      workers: 1,
    });
    expect(parseCli(['--workers', '3'])).toMatchObject({ workers: 3 });
    expect(parseCli(['--workers', 'auto'])).toMatchObject({ workers: availableParallelism() });
    expect(parseCli(['--backend', 'disk'])).toMatchObject({ backendOptions: { dotfiles: 'ignore' } });
    expect(config(['--backend', 'disk']).backendOptions).not.toHaveProperty('serveWhileLoading');
    expect(parseCli(['--help'])).toBe('help');
    expect(parseCli(['--version'])).toBe('version');
  });

  it('has a flag for every handler, server and backend option', () => {
    const disk = config([
      '--backend',
      'disk',
      '--index',
      'a.html,b.html',
      '--index',
      'c.html',
      '--no-listing',
      '--max-age',
      '1h',
      '--immutable',
      '--header',
      'X-A: 1',
      '--header',
      'X-B: 2',
      '--symlinks',
      'never',
      '--io',
      'async',
      '--headers-timeout',
      '10s',
      '--request-timeout',
      '1m',
      '--keep-alive-timeout',
      '7000',
      '--quiet',
      '--dotfiles',
      'deny',
    ]);
    expect(disk).toMatchObject({
      backend: 'disk',
      log: 'quiet',
      handler: { dotfiles: 'deny', index: ['a.html', 'b.html', 'c.html'], listing: false, maxAge: 3600, immutable: true, headers: { 'X-A': '1', 'X-B': '2' } },
      server: { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 7000 },
      backendOptions: { symlinks: 'never', io: 'async' },
    });
    const mem = config([
      '--no-index',
      '--listing',
      '--precompressed',
      '--ignore',
      '^/node_modules(/|$)',
      '--max-file-size',
      '512k',
      '--max-bytes',
      '2g',
      '--settle',
      '250ms',
      '--reconcile-interval',
      '0',
      '--no-watch',
      '--wait-for-mirror',
      '--no-compress',
      '--verbose',
      '--live',
    ]);
    expect(mem).toMatchObject({
      log: 'verbose',
      handler: { index: false, listing: true, precompressed: true, live: true },
      backendOptions: {
        ignore: /^\/node_modules(\/|$)/,
        maxFileSize: 512 * 1024,
        maxBytes: 2 * 1024 ** 3,
        settleMs: 250,
        reconcileIntervalMs: 0,
        watch: false,
        serveWhileLoading: false,
        compress: false,
      },
    });
  });

  it('parses --single, --cors and --header-rule, the first two with an optional value', () => {
    expect(config(['--single', '--cors', '--quiet']).handler).toMatchObject({ single: true, cors: true });
    expect(config(['--single=/app.html', '--cors=https://a.example,http://localhost:5173', '--cors=https://b.example']).handler).toMatchObject({
      single: '/app.html',
      cors: ['https://a.example', 'http://localhost:5173', 'https://b.example'],
    });
    // A bare flag at the end, and a bare flag after '--' is an argument, not the flag.
    expect(config(['--quiet', '--single']).handler.single).toBe(true);
    expect(() => parseCli(['--', '--single'])).toThrow(/Unexpected argument '--single'/);
    const { headerRules } = config([
      '--header-rule',
      '\\.[0-9a-f]{8,}\\.(js|css)$ Cache-Control: public, max-age=31536000, immutable',
      '--header-rule',
      '^/docs/ X-Robots-Tag:noindex ',
    ]).handler;
    expect(headerRules).toEqual([
      { match: /\.[0-9a-f]{8,}\.(js|css)$/, headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
      { match: /^\/docs\//, headers: { 'X-Robots-Tag': 'noindex' } },
    ]);
    expect(config([]).handler).not.toHaveProperty('single');
    expect(config([]).handler).not.toHaveProperty('headerRules');
  });

  it.each([
    [['--prefix', '/a//b'], `--prefix: must not contain '//' (a URL path like '/static/') (got "/a//b")`],
    [['--prefix', 'memfs'], `--prefix: must start with '/' (a URL path like '/static/') (got "memfs")`],
    [['--immutable'], '--immutable: needs --max-age'],
    [['--header', 'Content-Type: text/plain'], '--header: has an invalid or reserved header name "Content-Type"'],
    [['--headers-timeout', '10s', '--request-timeout', '5s'], '--headers-timeout: must not exceed --request-timeout (5000) (got 10000)'],
    [['--symlinks', 'sometimes'], `--symlinks: must be one of 'inside', 'follow', 'never' (got "sometimes")`],
    [['--backend', 'disk', '--io', 'fast'], `--io: must be 'sync' or 'async' (got "fast")`],
    [['--backend', 'disk', '--max-bytes', '1m'], '--max-bytes: applies to --backend mem/cache only, and this is --backend disk'],
    [['--io', 'async'], '--io: applies to --backend disk/direct/cache only, and this is --backend mem'],
    [['--backend', 'disk', '--wait-for-mirror'], '--wait-for-mirror: applies to --backend mem only, and this is --backend disk'],
    [['--index', 'a', '--no-index'], '--index and --no-index cannot be combined'],
    [['--single', '/app.html'], `--single: takes its value after '=', like --single=/app.html (got "/app.html")`],
    [['--single=/.app.html'], `--single: names a dotfile, which --dotfiles hides (got "/.app.html")`],
    [['--cors', '--cors=https://a.example'], '--cors and --cors=… cannot be combined'],
    [['--cors=https://a.example/'], '--cors: has an invalid origin "https://a.example/": must be written as browsers send it: https://a.example'],
    [['--header-rule', '\\.js$ X-A: caf\u00e9'], `--header-rule: has an invalid value for X-A: "caf\u00e9" (got "\\\\.js$ X-A: caf\u00e9")`],
    [['--header-rule', 'X-A: 1'], `--header-rule: must be '<regexp> <Name>: <value>'`],
    [['--backend', 'disk', '--live'], '--live: applies to --backend mem only, and this is --backend disk'],
  ])('reports %j under its flag, with what is wrong', (args, message) => {
    expect(() => parseCli(args)).toThrow(UsageError);
    expect(() => parseCli(args)).toThrow(message);
  });
});
