/** @fastify/static 10 on fastify 5, logger off, files at `/`, serving .br/.gz siblings (`preCompressed`). */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { announce, attachToBench, serverArgs } from './common.js';

const { root, port } = serverArgs();
const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root, prefix: '/', preCompressed: true });
attachToBench();
await app.listen({ host: '127.0.0.1', port });
announce((app.server.address() as AddressInfo).port);
