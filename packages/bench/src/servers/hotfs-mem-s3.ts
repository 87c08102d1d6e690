/**
 * hotfs over MemFS mirroring S3FS: the bucket listed and read into memory before the port is
 * announced, then reconciled by a listing every `reconcileIntervalMs` (the default) while it serves.
 */
import { createServer } from 'node:http';
import { MemFS } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';
import { s3Source } from './s3-source.js';

const { port } = serverArgs();
const fs = await MemFS.mirror(s3Source());
listenAndAnnounce(createServer(createHandler(fs)), port);
