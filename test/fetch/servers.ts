// Real local servers for guardFetch's tests: HTTPS vendors whose answers a test scripts (redirects included), and attackers that record every connection and request.
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Received } from '../helpers/vendor.js';
import { selfSigned } from '../helpers/tls.js';

/** What a scripted server answers; `undefined` from the script means: echo the body as JSON with 200. */
export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A server on 127.0.0.1 that keeps every request it received and counts every connection made to it. */
export interface Recorder {
  /** `https://127.0.0.1:port` (or `http:`). */
  readonly url: string;
  readonly received: Received[];
  /** TCP connections accepted: an attacker that must receive nothing must not even be connected to. */
  readonly connections: () => number;
  /** Everything received, as one text for the leak scanner: request lines, headers and bodies. */
  readonly everything: () => string;
  /** Scripts the answers; reset to echo by `reset()`. */
  answer: (req: Received) => Answer | undefined;
  reset(): void;
  close(): Promise<void>;
}

/** One self-signed certificate for 127.0.0.1, shared by every HTTPS server of a test file. */
export const tls = selfSigned();

/** Starts an HTTPS (default) or plain HTTP recorder on an ephemeral port of 127.0.0.1. */
export async function startRecorder(protocol: 'https' | 'http' = 'https'): Promise<Recorder> {
  const received: Received[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = recorder.answer(r);
      if (a === undefined) {
        const body = r.body === '' ? '{"ok":true}' : r.body;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      res.writeHead(a.status, { 'content-length': Buffer.byteLength(a.body ?? ''), ...a.headers });
      res.end(a.body ?? '');
    });
  };
  const server = protocol === 'https' ? createHttps(tls, handler) : createHttp(handler);
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const echo = (): undefined => undefined;
  const recorder: Recorder = {
    url: `${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    connections: () => connections,
    everything: () => received.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n'),
    answer: echo,
    reset() {
      received.length = 0;
      connections = 0;
      recorder.answer = echo;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return recorder;
}

/** A redirect answer to `location` with the given status. */
export function redirectTo(status: number, location: string): Answer {
  return { status, headers: { location }, body: '' };
}
