// CORS and the SPA fallback as a browser sees them: a page on one origin reads files from hotfs on
// another (a preflighted, ranged, conditional fetch), and a client-side route loads the app.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS } from '@hotfs/core';
import { createHandler, type HandlerOptions } from '../src/index.js';
import { close, listen } from './client.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI) throw new Error(`browser test: ${CHROMIUM} is missing and CI is set; install the Debian chromium package`);
  console.warn(`browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); set CI=1 to make this a failure`);
}

describe.skipIf(!available)('CORS and the SPA fallback in headless chromium', () => {
  let root: string;
  let browser: Browser | undefined;
  const servers: Server[] = [];

  async function serve(options: HandlerOptions): Promise<string> {
    const s = await listen(createHandler(new DiskFS(root), options));
    servers.push(s.server);
    return `http://127.0.0.1:${s.port}`;
  }

  // The page's own origin: the app, with a client-side route.
  let app = '';
  let page: Page;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hotfs-browser-cors-'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>the app</title><p>app</p>\n');
    await writeFile(join(root, 'data.txt'), '0123456789');
    app = await serve({ single: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map(close));
    await rm(root, { recursive: true, force: true });
  });

  // A fetch from the page that needs a preflight (If-None-Match is not safelisted) and reads
  // headers that are not safelisted either; a refused one is the browser's TypeError.
  const readFrom = (url: string): Promise<string> =>
    page.evaluate(async (target: string) => {
      try {
        const r = await fetch(target, { headers: { range: 'bytes=2-5', 'if-none-match': '"nope"' } });
        return `${r.status} ${r.headers.get('content-range')} ${r.headers.get('etag') === null ? 'no-etag' : 'etag'} ${await r.text()}`;
      } catch (err) {
        return `refused: ${(err as Error).name}`;
      }
    }, url);

  it('a client-side route loads the app', async () => {
    const response = await page.goto(`${app}/users/42`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('the app');
  });

  it('reads a range and its headers across origins when allowed, and is refused otherwise', async () => {
    await page.goto(`${app}/`);
    const listed = await serve({ cors: [app] });
    const any = await serve({ cors: true });
    const other = await serve({ cors: ['https://other.example'] });
    const off = await serve({});
    expect(await readFrom(`${listed}/data.txt`)).toBe('206 bytes 2-5/10 etag 2345');
    expect(await readFrom(`${any}/data.txt`)).toBe('206 bytes 2-5/10 etag 2345');
    expect(await readFrom(`${listed}/missing.txt`)).toBe('404 null no-etag 404 page not found\n');
    expect(await readFrom(`${other}/data.txt`)).toBe('refused: TypeError');
    expect(await readFrom(`${off}/data.txt`)).toBe('refused: TypeError');
  });
});
