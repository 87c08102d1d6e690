/**
 * A TCP relay in front of a real server that a test can turn into a black hole: connections are
 * then accepted and never answered (nor closed), the way a hung store or a dropped route looks.
 * @module
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A running relay. */
export interface Relay {
  /** `http://127.0.0.1:<port>` of the relay. */
  readonly endpoint: string;
  /** When true, new connections and the bytes on open ones go nowhere. */
  blackHole: boolean;
  close(): Promise<void>;
}

/**
 * Starts a relay on a free port of 127.0.0.1 to `port`.
 *
 * @example
 * ```ts
 * const relay = await startRelay(s3.port);
 * relay.blackHole = true; // every request through it now hangs
 * ```
 */
export async function startRelay(port: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = { blackHole: false } as { blackHole: boolean };
  const server = createServer((client) => {
    track(client);
    if (relay.blackHole) return;
    const upstream = connect(port, '127.0.0.1');
    track(upstream);
    client.on('data', (chunk: Buffer) => void (relay.blackHole || upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (relay.blackHole || client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(relay, {
    endpoint,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
