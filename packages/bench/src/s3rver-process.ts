/**
 * The bench's S3 server process: `node --openssl-legacy-provider s3rver-process.js '<json>'` with
 * `{ directory, bucket }` runs s3rver on a free port of 127.0.0.1 and prints `{"port":n}` once it
 * listens. s3rver encrypts its continuation tokens with a cipher OpenSSL 3 offers only through the
 * legacy provider, so without the flag a listing past 1,000 keys fails.
 * @packageDocumentation
 */
import S3rver from 's3rver';

const { directory, bucket } = JSON.parse(process.argv[2] ?? '{}') as { directory: string; bucket: string };
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
// The bench going away must not leave a server holding a port.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
