/** hotfs over a two-layer OverlayFS: a small MapFS of generated files over a MemFS of the fixture. */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { overlayOf } from '../backends.js';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(await overlayOf(root))), port);
