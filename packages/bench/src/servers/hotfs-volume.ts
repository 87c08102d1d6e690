/** hotfs over VolumeFS: the fixture written into a memfs Volume, served read-only by `createHandler`. */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { volumeOf } from '../backends.js';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(volumeOf(root))), port);
