/**
 * What every contender script shares: `node dist/servers/<name>.js <root> <port>` serves `root` on
 * 127.0.0.1:`port` (0 = any free port) and prints the bound port alone on a line of stdout.
 * @packageDocumentation
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The root directory and port given on the command line. */
export function serverArgs(): { root: string; port: number } {
  const [root, port = '0'] = process.argv.slice(2);
  if (!root) {
    process.stderr.write('usage: node <server>.js <root> <port>\n');
    process.exit(2);
  }
  return { root, port: Number(port) };
}

/**
 * Answers the bench's `'cpu'` messages with `process.cpuUsage()` (microsecond resolution, unlike
 * `/proc/<pid>/stat` ticks), and exits when the bench goes away so no orphan keeps a port.
 */
export function attachToBench(): void {
  if (!process.send) return;
  process.on('message', (msg) => {
    if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

/** Prints the bound port, the line the bench waits for. */
export function announce(port: number): void {
  process.stdout.write(`${port}\n`);
}

/** Listens on loopback only, then announces the port. */
export function listenAndAnnounce(server: Server, port: number): void {
  attachToBench();
  // keepAliveTimeout above the longest pause between two load runs on one connection is not needed:
  // every load run opens its own connections. Node's default 5 s is kept, as users get it.
  server.listen(port, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
}
