// The public surface, as a package consumer resolves it: through the export map, from dist.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('export map', () => {
  it('@hotfs/node-http offers the handler, the server, the fetch adapter, requestLogger and the worker threads, nothing else', async () => {
    expect(Object.keys(await import('@hotfs/node-http')).sort()).toEqual(['createFetchHandler', 'createHandler', 'createServer', 'hasReusePort', 'requestLogger', 'serveWorkers']);
  });

  it('@hotfs/node-http/protocol offers the pure protocol functions, nothing else', async () => {
    const protocol = await import('@hotfs/node-http/protocol');
    expect(Object.keys(protocol).sort()).toEqual([
      'contentTypeByName',
      'evaluatePreconditions',
      'formatHttpDate',
      'listingHtml',
      'listingJson',
      'parseAcceptEncoding',
      'parseHttpDate',
      'parseRange',
      'preferredEncodings',
      'sniffContentType',
    ]);
    expect(protocol.parseRange('bytes=-3', 10)).toEqual([{ start: 7, end: 9 }]);
  });

  // require() resolves with the conditions require, node and default: without `default` in the map,
  // both entries would be ERR_PACKAGE_PATH_NOT_EXPORTED (Node >= 20.19 loads ES modules this way).
  it.each(['@hotfs/node-http', '@hotfs/node-http/protocol'])('%s resolves through the default condition', (name) => {
    const script = `process.stdout.write(Object.keys(require(${JSON.stringify(name)})).length + ' ' + require.resolve(${JSON.stringify(name)}))`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^\d+ .*\/dist\/(index|protocol)\.js$/);
    expect(Number(out.split(' ')[0])).toBeGreaterThan(0);
  });
});
