import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemFS } from '@hotfs/core';
import { createServer, type RequestLog } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI) throw new Error(`live browser test: ${CHROMIUM} is missing and CI is set; install the Debian chromium package`);
  console.warn(`live browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); set CI=1 to make this a failure`);
}

const EDITS = 20;
const VISIBLE_WITHIN_MS = 10_000;

const page = (n: number) => `<!doctype html><html><head><link rel="stylesheet" href="style.css"></head><body><p id="v">${n}</p></body></html>`;

/** Nearest-rank percentile of `values` (ms). */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// Polls from Node rather than with waitForFunction: the page reloads under it, and an evaluate that
// meets a navigation just fails and is tried again.
async function waitFor(p: Page, expression: string, expected: unknown): Promise<void> {
  const end = Date.now() + VISIBLE_WITHIN_MS;
  let last: unknown;
  for (;;) {
    try {
      last = await p.evaluate(expression);
      if (last === expected) return;
    } catch {
      // The page is between two documents.
    }
    if (Date.now() > end) throw new Error(`${expression} is ${JSON.stringify(last)}, not ${JSON.stringify(expected)}, after ${VISIBLE_WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe.skipIf(!available)('live reload in headless chromium (MemFS over a temp dir)', () => {
  let dir: string;
  let fs: MemFS;
  let server: Server;
  let port = 0;
  let browser: Browser | undefined;
  /** Event streams opened so far: a reloaded page is listening again once this grows. */
  let connects = 0;
  const logger = (entry: RequestLog): void => {
    if (entry.url.startsWith('/memfs/.hotfs/live')) connects++;
  };
  const saveByRename = async (name: string, content: string): Promise<void> => {
    await writeFile(join(dir, `.${name}.tmp`), content);
    await rename(join(dir, `.${name}.tmp`), join(dir, name));
  };
  const start = async (): Promise<void> => {
    server = createServer(fs, { prefix: '/memfs/', live: true, logger });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotfs-live-browser-'));
    await writeFile(join(dir, 'index.html'), page(0));
    await writeFile(join(dir, 'style.css'), '#v { color: rgb(255, 0, 0); }');
    // As the hotfs command mirrors: default settle and reconcile, dotfiles (an editor's temporary files) left out.
    fs = await MemFS.mirror(dir, { ignore: /(^|\/)\./ });
    await start();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await fs?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`shows each of 2 x ${EDITS} edits of the page, swaps a stylesheet without a reload, and reconnects after a restart`, async () => {
    const p = await browser!.newPage();
    await p.goto(`http://127.0.0.1:${port}/memfs/`);
    await waitFor(p, 'document.getElementById("v").textContent', '0');
    await waitFor(p, '0', 0);
    const until = async (n: number): Promise<void> => {
      const end = Date.now() + VISIBLE_WITHIN_MS;
      while (connects < n) {
        if (Date.now() > end) throw new Error(`the page did not open event stream ${n} (${connects} so far)`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await until(1);

    // Two ways editors save: a new file renamed over the old one, and a rewrite in place (truncate,
    // then write: fs.writeFile, the shell's >). MemFS waits longer before it takes a file it caught
    // empty, which the second way can show it.
    const saves: Array<[string, (n: number) => Promise<void>]> = [
      ['saved by rename', (n) => saveByRename('index.html', page(n))],
      ['rewritten in place', (n) => writeFile(join(dir, 'index.html'), page(n))],
    ];
    let n = 0;
    for (const [how, save] of saves) {
      const times: number[] = [];
      for (let i = 0; i < EDITS; i++) {
        n++;
        const t0 = performance.now();
        await save(n);
        await waitFor(p, 'document.getElementById("v").textContent', String(n));
        times.push(performance.now() - t0);
        // The next edit must find the reloaded page listening: a change before it connects is not its to see.
        await until(n + 1);
      }
      console.log(
        `live reload, page ${how}, edit to visible over ${EDITS} edits: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (all: ${times.map((t) => t.toFixed(0)).join(' ')})`,
      );
    }

    // A stylesheet change: new style, same document (a window variable survives), one link left.
    await p.evaluate('window.hotfsMarker = 42');
    const cssTimes: number[] = [];
    for (const [i, color] of ['rgb(0, 128, 0)', 'rgb(0, 0, 255)', 'rgb(1, 2, 3)'].entries()) {
      const t0 = performance.now();
      await saveByRename('style.css', `#v { color: ${color}; }`);
      await waitFor(p, 'getComputedStyle(document.getElementById("v")).color', color);
      cssTimes.push(performance.now() - t0);
      await waitFor(p, 'document.querySelectorAll("link[rel=stylesheet]").length', 1);
      expect(await p.evaluate('window.hotfsMarker')).toBe(42);
      expect(await p.evaluate('new URL(document.querySelector("link[rel=stylesheet]").href).searchParams.has("hotfs-live")')).toBe(true);
      expect(i + 1).toBe(cssTimes.length);
    }
    console.log(`live reload, stylesheet saved by rename, edit to visible (no reload): ${cssTimes.map((t) => t.toFixed(1)).join(', ')} ms`);
    expect(connects).toBe(n + 1);

    // The server goes away and comes back on the same port: the page's EventSource finds it again.
    await new Promise((r) => server.close(r));
    await start();
    await until(n + 2);
    await writeFile(join(dir, 'index.html'), page(1000));
    await waitFor(p, 'document.getElementById("v").textContent', '1000');
    await p.close();
  }, 120_000);
});
