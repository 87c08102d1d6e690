/**
 * hotfs over CacheFS over S3FS, warm: every object of the bucket is read once through the cache
 * before the port is announced, so the bench measures answers from memory and the revalidation of
 * each path once per `maxAge`, not the first reads.
 */
import { createServer } from 'node:http';
import { CacheFS, readFile } from '@hotfs/core';
import { createHandler } from '@hotfs/node-http';
import { listenAndAnnounce, serverArgs } from './common.js';
import { s3Source } from './s3-source.js';

/** What the cache may hold and how long an answer is trusted before one HeadObject revalidates it. */
const CACHE_OPTIONS = { maxBytes: 256 * 2 ** 20, maxFileSize: 32 * 2 ** 20, maxAge: 5000 } as const;

const { port } = serverArgs();
const s3 = s3Source();
const fs = new CacheFS(s3, CACHE_OPTIONS);
for await (const { path, info } of s3.walk('/')) if (!info.isDirectory) await readFile(fs, path);
listenAndAnnounce(createServer(createHandler(fs)), port);
