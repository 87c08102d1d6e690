/**
 * hotfs over MemFS computing its own encodings (`compress: true`), siblings not looked at: the
 * encodings MemFS holds beside each version are what a client that accepts br or gzip gets. The port
 * is announced once every encoding is ready, so the bench measures serving, not compressing.
 */
import { createServer } from 'node:http';
import { MemFS } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';

const { root, port } = serverArgs();
const fs = await MemFS.mirror(root, { compress: true });
await fs.encodingsSettled();
listenAndAnnounce(createServer(createHandler(fs)), port);
