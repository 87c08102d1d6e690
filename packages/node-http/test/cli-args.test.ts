import { describe, expect, it } from 'vitest';
import { parseAddr, parseCli } from '../src/cli-args.js';

describe('hotfs flags', () => {
  it('parses addresses like Go', () => {
    expect(parseAddr(':9999')).toEqual({ host: undefined, port: 9999 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseAddr('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    expect(parseAddr('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['9999', 'host:', 'host:70000', 'host:-1', '::1:80', 'host:80x']) expect(() => parseAddr(bad), bad).toThrow(/--addr/);
  });

  it('applies the documented defaults', () => {
    expect(parseCli([])).toEqual({
      path: '.',
      host: '127.0.0.1',
      port: 9999,
      backend: 'mem',
      prefix: '/memfs/',
      dotfiles: 'ignore',
      verbose: true,
      maxFileSize: undefined,
      maxBytes: undefined,
      headersTimeout: undefined,
      keepAliveTimeout: 65_000,
      requestTimeout: undefined,
    });
  });

  it('parses sizes, timeouts and switches', () => {
    const c = parseCli(['--max-file-size', '512k', '--max-bytes', '2G', '--headers-timeout', '1000', '--request-timeout', '5000', '--keep-alive-timeout', '7000', '--quiet', '--backend', 'disk', '--dotfiles', 'deny']);
    expect(c).toMatchObject({ maxFileSize: 512 * 1024, maxBytes: 2 * 1024 ** 3, headersTimeout: 1000, requestTimeout: 5000, keepAliveTimeout: 7000, verbose: false, backend: 'disk', dotfiles: 'deny' });
    expect(parseCli(['--help'])).toBe('help');
    expect(parseCli(['--version'])).toBe('version');
  });
});
