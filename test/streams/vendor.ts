// A real local vendor that streams: server-sent events, NDJSON and JSON, plain or compressed, cut into awkward chunks; and a sink that records streamed uploads.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { listen } from '../helpers/vendor.js';
import { sampleOrder } from '../fixtures/order.js';

export interface StreamVendor {
  readonly url: string;
  /** Uploads the vendor received, as it read them off the wire. */
  readonly received: Array<{ url: string; headers: IncomingHttpHeaders; body: string; aborted: boolean }>;
  close(): Promise<void>;
}

/** The SSE text of two orders, a keep-alive comment and an event without data. */
export function sseText(orders: readonly object[] = [sampleOrder(), sampleOrder()]): string {
  return [': keep-alive', '', ...orders.flatMap((o, i) => [`event: order`, `id: ${i + 1}`, `data: ${JSON.stringify(o)}`, '']), 'event: done', '', ''].join('\n');
}

/** The NDJSON text of two orders. */
export function ndjsonText(orders: readonly object[] = [sampleOrder(), sampleOrder()]): string {
  return orders.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

function compress(encoding: string | null, body: Buffer): Buffer {
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  if (encoding === 'br') return brotliCompressSync(body);
  return body;
}

/**
 * Writes a body in chunks of 7 bytes, so every value is split across writes (an email, a card
 * number, a multi-byte character), with the vendor's framing: a Content-Length of the compressed
 * bytes for JSON (what a masked answer must not keep), chunked for streams.
 */
async function send(res: ServerResponse, type: string, text: string, encoding: string | null, framed: boolean): Promise<void> {
  const bytes = compress(encoding, Buffer.from(text, 'utf8'));
  const headers: Record<string, string | number> = { 'content-type': type, etag: '"v1"' };
  if (encoding !== null) headers['content-encoding'] = encoding;
  if (framed) headers['content-length'] = bytes.length;
  res.writeHead(200, headers);
  for (let i = 0; i < bytes.length; i += 7) {
    res.write(bytes.subarray(i, i + 7));
    if (i % 140 === 0) await new Promise((r) => setImmediate(r));
  }
  res.end();
}

/** Starts the vendor on 127.0.0.1. Paths: `/stream/{sse,ndjson,json,bad-sse,bad-ndjson}?encoding=gzip|deflate|br`, `POST /ingest`. */
export async function startStreamVendor(options: { orders?: () => Array<Record<string, unknown>> } = {}): Promise<StreamVendor> {
  const orders = options.orders ?? (() => [sampleOrder(), sampleOrder()]);
  const received: StreamVendor['received'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://vendor');
    const encoding = url.searchParams.get('encoding');
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      const entry = { url: req.url ?? '', headers: req.headers, body: '', aborted: false };
      received.push(entry);
      req.on('data', (c: Buffer) => {
        chunks.push(c);
        entry.body = Buffer.concat(chunks).toString('utf8');
      });
      req.on('aborted', () => void (entry.aborted = true));
      req.on('error', () => void (entry.aborted = true));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
      return;
    }
    const order = orders()[0]! as ReturnType<typeof sampleOrder>;
    switch (url.pathname) {
      case '/stream/sse':
        return void send(res, 'text/event-stream', sseText(orders()), encoding, false);
      case '/stream/ndjson':
        return void send(res, 'application/x-ndjson', ndjsonText(orders()), encoding, false);
      case '/stream/json':
        return void send(res, 'application/json', JSON.stringify(order), encoding, true);
      case '/stream/bad-sse':
        return void send(res, 'text/event-stream', `data: ${JSON.stringify(order)}\n\ndata: {"email":"${order.customer.email}"\n\n`, encoding, false);
      case '/stream/bad-ndjson':
        return void send(res, 'application/x-ndjson', `${JSON.stringify(order)}\n{"email":"${order.customer.email}"\n`, encoding, false);
      default:
        res.writeHead(404).end();
    }
  });
  const s = await listen(server);
  return { ...s, received };
}
