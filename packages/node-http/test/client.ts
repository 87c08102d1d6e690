import { connect } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';

/** A response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Header names in the order sent. */
  names: string[];
  body: Buffer;
}

/** Starts a server on 127.0.0.1, port 0. */
export async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, port: address.port };
}

export function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Sends one request exactly as given (the target is NOT normalised, unlike fetch) and reads the
 * whole response; `Connection: close` delimits the body.
 */
export function request(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return rawRequest(port, head + '\r\n');
}

/**
 * Writes `head` to a fresh connection byte for byte (UTF-8) and reads until the server closes.
 * Rejects when no complete response arrives within `timeoutMs`, so a stuck server fails a test
 * instead of hanging it.
 */
export function rawRequest(port: number, head: string, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms to ${JSON.stringify(head.slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no response head: ${JSON.stringify(all.toString('latin1'))}`));
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const out: Record<string, string> = {};
      const names: string[] = [];
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).toLowerCase();
        names.push(name);
        out[name] = out[name] === undefined ? line.slice(i + 1).trim() : `${out[name]}, ${line.slice(i + 1).trim()}`;
      }
      resolve({ status, headers: out, names, body: all.subarray(split + 4) });
    });
    socket.write(head);
  });
}
