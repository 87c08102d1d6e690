// The root README's examples, as written there, on 127.0.0.1 and an ephemeral port.
import { createServer as createNodeServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemFS, readAll, tryOpen } from '@hotfs/core';
import { createFixture, type Fixture } from '@hotfs/core/conformance';
import { createServer } from '@hotfs/node-http';

let fixture: Fixture;
const servers: Server[] = [];
const closers: MemFS[] = [];
beforeAll(async () => {
  fixture = await createFixture();
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  for (const fs of closers) await fs.close();
  await fixture.remove();
});

async function listening(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('root README examples', () => {
  it('the Go example in hotfs: MemFS under /memfs/', async () => {
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const fs = await MemFS.mirror(fixture.root, { logger, verbose: true });
    closers.push(fs);
    const base = await listening(createServer(fs, { prefix: '/memfs/' }));
    expect(lines.join('\n')).toMatch(/mirrored .* files/);
    const page = await fetch(`${base}/memfs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('hello.txt');
    expect(await (await fetch(`${base}/memfs/hello.txt`)).text()).toBe('Hello, hotfs!\n');
    expect((await fetch(`${base}/hello.txt`)).status).toBe(404);
  });

  it('the custom handler against the FileSystem API', async () => {
    const fs = await MemFS.mirror(fixture.root);
    closers.push(fs);
    async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const file = await tryOpen(fs, new URL(req.url ?? '/', 'http://x').pathname); // a miss costs no Error
      if (!file || (await file.stat()).isDirectory) {
        await file?.close();
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Length': (await file.stat()).size }).end(await readAll(file)); // zero-copy on MemFS
      await file.close();
    }
    const base = await listening(
      createNodeServer((req, res) => {
        serve(req, res).catch(() => res.destroy());
      }),
    );
    expect(await (await fetch(`${base}/hello.txt`)).text()).toBe('Hello, hotfs!\n');
    expect((await fetch(`${base}/docs`)).status).toBe(404);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
