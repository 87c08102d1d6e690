/** hotfs over S3FS: every request goes to the bucket (HeadObject, ranged GetObject); the root argument is unused. */
import { createServer } from 'node:http';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';
import { s3Source } from './s3-source.js';

const { port } = serverArgs();
listenAndAnnounce(createServer(createHandler(s3Source())), port);
