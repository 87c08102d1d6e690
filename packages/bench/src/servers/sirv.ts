/** sirv 3 in production mode (`dev: false`: files indexed at start), with ETags so 304s can happen, serving .br/.gz siblings. */
import { createServer } from 'node:http';
import sirv from 'sirv';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
const serve = sirv(root, { dev: false, etag: true, dotfiles: false, brotli: true, gzip: true });
const server = createServer((req, res) =>
  serve(req, res, () => {
    res.statusCode = 404;
    res.end('Not Found');
  }),
);
listenAndAnnounce(server, port);
