/** hotfs over SubFS: the fixture as the sub-tree of a MemFS mirror of its parent. */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { subOf } from '../backends.js';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(await subOf(root))), port);
