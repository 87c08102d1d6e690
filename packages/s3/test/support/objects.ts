/**
 * Test helpers around a real S3 client: a host tree as objects, and a count of the requests a
 * client sends (an SDK middleware on the real client, not a mock).
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';

/** The files below `root` as keys below `prefix`, and a marker object `dir/` for each empty directory. */
export function objectsFrom(root: string, prefix: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const visit = (host: string, key: string): void => {
    if (!statSync(host).isDirectory()) return void out.set(key, readFileSync(host));
    const names = readdirSync(host);
    if (names.length === 0) out.set(key + '/', new Uint8Array(0));
    for (const name of names) visit(join(host, name), key === '' ? prefix + name : `${key}/${name}`);
  };
  for (const name of readdirSync(root)) visit(join(root, name), prefix + name);
  return out;
}

/**
 * Counts every command `client` sends, by name (`GetObjectCommand`, `ListObjectsV2Command`…), from
 * an initialize-step middleware: one count per call, whatever the SDK's retries.
 *
 * @example
 * ```ts
 * const sent = countRequests(client);
 * await fs.stat('/a.txt');
 * sent.get('HeadObjectCommand'); // 1
 * ```
 */
export function countRequests(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'hotfsCountRequests' },
  );
  return counts;
}
