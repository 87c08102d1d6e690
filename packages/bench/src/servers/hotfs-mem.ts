/**
 * hotfs over MemFS: the root mirrored into memory before the port is announced, so the bench never
 * measures the initial scan (the MemFS costs part does), then served by `createHandler` with the
 * fixture's precompressed siblings.
 */
import { createServer } from 'node:http';
import { MemFS } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
const fs = await MemFS.mirror(root);
listenAndAnnounce(createServer(createHandler(fs, { precompressed: true })), port);
