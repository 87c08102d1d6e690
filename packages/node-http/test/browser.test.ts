import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFS } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createHandler } from '../src/index.js';
import { close, listen } from './client.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI) throw new Error(`browser test: ${CHROMIUM} is missing and CI is set; install the Debian chromium package`);
  console.warn(`browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); set CI=1 to make this a failure`);
}
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

describe.skipIf(!available)('listing page in headless chromium', () => {
  let fixture: Fixture;
  let server: Server;
  let base = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    fixture = await createFixture();
    const s = await listen(createHandler(new DiskFS(fixture.root), { prefix: '/memfs/' }));
    server = s.server;
    base = `http://127.0.0.1:${s.port}/memfs/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await close(server);
    await fixture?.remove();
  });

  it('renders the listing and saves a screenshot', async () => {
    const page = await browser!.newPage();
    const response = await page.goto(base);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Index of /memfs/');
    const names: string[] = await page.$$eval('td.n a', (as: Array<{ textContent: string | null }>) => as.map((a) => a.textContent ?? ''));
    expect(names).toEqual(expect.arrayContaining(['docs/', 'with space.txt', 'a#b?c.txt', 'ünïcødé €.txt', '100%.txt', 'empty-dir/']));
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: artifacts + 'listing.png', fullPage: true });
    expect(existsSync(artifacts + 'listing.png')).toBe(true);
    await page.close();
  });

  it.each([
    ['with space.txt', 'spaces\n'],
    ['a#b?c.txt', 'hash and question mark\n'],
    ['ünïcødé €.txt', 'unicode\n'],
    ['100%.txt', 'percent\n'],
  ])('clicking %s opens that file', async (name, content) => {
    const page = await browser!.newPage();
    await page.goto(base);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name, exact: true }).click()]);
    expect((await page.evaluate<string>('document.body.innerText')).trimEnd()).toBe(content.trimEnd());
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/memfs/${name}`);
    await page.close();
  });

  it('follows a directory link, its redirect-free relative links and ../', async () => {
    const page = await browser!.newPage();
    await page.goto(base + 'docs/guide');
    expect(page.url()).toBe(base + 'docs/guide/');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'more/', exact: true }).click()]);
    expect(page.url()).toBe(base + 'docs/guide/more/');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '../', exact: true }).click()]);
    expect(page.url()).toBe(base + 'docs/guide/');
    await page.close();
  });
});
