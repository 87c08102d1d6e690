/**
 * The ceiling: a bare node:http handler answering from a `Map<path, {buffer, headers}>` preloaded at
 * start with `writeHead` + `end`. Nothing per request but a lookup, so it is as fast as Node serves
 * bytes; every contender is reported as a ratio to it. It answers the same cases the others do
 * (404, one simple byte range, If-None-Match, a `.br` sibling to a client that accepts br) with the
 * least work that is still correct for them.
 * @packageDocumentation
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { listenAndAnnounce, serverArgs } from './common.js';

interface Entry {
  buffer: Buffer;
  headers: OutgoingHttpHeaders;
  etag: string;
}

const { root, port } = serverArgs();
const files = new Map<string, Entry>();

function load(dir: string, prefix: string): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const host = join(dir, d.name);
    if (d.isDirectory()) load(host, `${prefix}${d.name}/`);
    else if (d.isFile()) {
      const buffer = readFileSync(host);
      const st = statSync(host);
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const type = d.name.endsWith('.txt') ? 'text/plain; charset=utf-8' : d.name.endsWith('.js.br') ? 'text/javascript; charset=utf-8' : 'application/octet-stream';
      const headers: OutgoingHttpHeaders = { 'Content-Type': type, 'Content-Length': buffer.length, ETag: etag, 'Last-Modified': st.mtime.toUTCString(), 'Accept-Ranges': 'bytes' };
      if (d.name.endsWith('.br')) Object.assign(headers, { 'Content-Encoding': 'br', Vary: 'Accept-Encoding' });
      files.set(`${prefix}${d.name}`, { buffer, headers, etag });
    }
  }
}
load(root, '/');

const notFound = Buffer.from('404 page not found\n');
const RANGE = /^bytes=(\d+)-(\d+)$/;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const entry = (req.headers['accept-encoding']?.includes('br') ? files.get(`${url}.br`) : undefined) ?? files.get(url);
  if (!entry) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': notFound.length });
    res.end(notFound);
    return;
  }
  if (req.headers['if-none-match'] === entry.etag) {
    res.writeHead(304, { ETag: entry.etag });
    res.end();
    return;
  }
  const range = req.headers.range;
  const m = range === undefined ? null : RANGE.exec(range);
  if (m) {
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), entry.buffer.length - 1);
    if (start <= end) {
      const body = entry.buffer.subarray(start, end + 1);
      res.writeHead(206, { ...entry.headers, 'Content-Length': body.length, 'Content-Range': `bytes ${start}-${end}/${entry.buffer.length}` });
      res.end(body);
      return;
    }
  }
  res.writeHead(200, entry.headers);
  res.end(entry.buffer);
});
listenAndAnnounce(server, port);
