/** serve-static 2 with its defaults; a miss falls through to a plain 404 (what finalhandler would send). */
import { createServer } from 'node:http';
import serveStatic from 'serve-static';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
const serve = serveStatic(root, { index: false });
const server = createServer((req, res) => {
  serve(req, res, () => {
    res.statusCode = 404;
    res.end('Not Found');
  });
});
listenAndAnnounce(server, port);
