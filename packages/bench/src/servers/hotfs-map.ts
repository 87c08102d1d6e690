/** hotfs over MapFS: the fixture read into a MapFS before the port is announced, served by `createHandler`. */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { mapOf } from '../backends.js';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(mapOf(root))), port);
