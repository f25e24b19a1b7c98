// A real local vendor server that records exactly what it receives, for integration tests.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Vendor {
  readonly url: string;
  readonly received: Received[];
  /** Every byte that reached the vendor's sockets, requests it could not parse included (latin1). */
  wire(): string;
  close(): Promise<void>;
}

/**
 * Starts a vendor on 127.0.0.1 that keeps every request it saw. It answers `{ ok: true }`, or with
 * `echo` the body it received; `GET /last` answers the last JSON body it received (as a CRM would
 * answer a stored record).
 */
export async function startVendor(options: { echo?: boolean } = {}): Promise<Vendor> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && req.url === '/last') {
        const last = [...received].reverse().find((r) => r.body.startsWith('{'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(last?.body ?? '{}');
        return;
      }
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text });
      const body = options.echo === true && text !== '' ? text : JSON.stringify({ ok: true });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const wire: Buffer[] = [];
  server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => void wire.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    wire: () => Buffer.concat(wire).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Listens on an ephemeral port of 127.0.0.1 and returns the base URL and a close function. */
export async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
