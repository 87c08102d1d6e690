/**
 * st 4 with its defaults, content cache on (64 MiB: the 100 MiB file is streamed from disk instead).
 * A bigger cache was tried: st then took ~54 s to answer the first request for the 100 MiB file.
 * st exits after serving a 0-byte file (field notes): the bench reports that as a crash.
 */
import { createServer } from 'node:http';
import st from 'st';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
const mount = st({ path: root, url: '/', index: false, passthrough: false });
const server = createServer((req, res) => {
  mount(req, res);
});
listenAndAnnounce(server, port);
