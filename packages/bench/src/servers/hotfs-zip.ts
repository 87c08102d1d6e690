/**
 * hotfs over ZipFS: the fixture's stored archive (built beside it once, as the FS level uses it) held
 * in memory and opened before the port is announced, served by `createHandler`.
 */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { zipStoredOf } from '../backends.js';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(await zipStoredOf(root, true))), port);
