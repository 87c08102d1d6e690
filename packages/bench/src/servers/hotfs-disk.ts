/** hotfs over DiskFS: `createHandler` from @hotfs/node-http serving the root straight from disk. */
import { createServer } from 'node:http';
import { DiskFS } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
listenAndAnnounce(createServer(createHandler(new DiskFS(root), { precompressed: true })), port);
