// Run in a child process with a small heap: streams a large SSE answer (and an NDJSON upload) through maskFields/scrubPII on one stack and checks every record.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { maskFields, scrubPII } from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as ff from '../../src/fastify/index.js';
import * as fw from '../../src/web/index.js';
import { MASKED_ORDER, SCRUBBED_ORDER, orderSchema, sampleOrder } from '../fixtures/order.js';

const total = Number(process.env['STREAM_BYTES'] ?? 1024 ** 3);
const direction = process.env['STREAM_DIRECTION'] ?? 'response';
const stack = process.env['STREAM_STACK'] ?? 'express';

// One big record: the order with many items, so the stream is bytes, not per-record overhead.
const order = { ...sampleOrder(), items: Array.from({ length: 300 }, (_, i) => ({ sku: `SKU-${i}`, qty: i, note: 'call me after 6pm' })) };
const masked = { ...MASKED_ORDER, items: order.items.map((it) => ({ ...it, note: '[REDACTED]' })) };
const scrubbed = { ...SCRUBBED_ORDER, items: order.items.map(({ sku, qty }) => ({ sku, qty })) };
const sse = direction === 'response';
const record = Buffer.from(sse ? `event: order\ndata: ${JSON.stringify(order)}\n\n` : `${JSON.stringify(order)}\n`);
const expected = sse ? `event: order\ndata: ${JSON.stringify(masked)}` : JSON.stringify(scrubbed);
const separator = sse ? '\n\n' : '\n';
const records = Math.ceil(total / record.length);

/** The record repeated, cut into windows of an odd size so values are split across chunks; `undefined` at the end. */
function windows(): () => Buffer | undefined {
  const size = 65_521;
  const tile = Buffer.concat(Array.from({ length: Math.ceil(size / record.length) + 2 }, () => record));
  const length = records * record.length;
  let offset = 0;
  return () => {
    if (offset >= length) return undefined;
    const at = offset % record.length;
    const n = Math.min(size, length - offset);
    offset += n;
    return tile.subarray(at, at + n);
  };
}

/** The stream as a Node Readable. */
function source(): Readable {
  const next = windows();
  return new Readable({
    read() {
      this.push(next() ?? null);
    },
  });
}

/** The stream as a Web ReadableStream, pulled as the client reads (a copy per window: the Web stream may keep it). */
function webSource(): ReadableStream<Uint8Array> {
  const next = windows();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = next();
      if (chunk === undefined) controller.close();
      else controller.enqueue(new Uint8Array(chunk));
    },
  });
}

let peak = 0;
const sample = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().heapUsed)), 50);

/** Checks each record of what arrives against the one expected text, holding only the incomplete tail. */
function checker(): { push(text: string): void; count(): number; bad(): number } {
  let tail = '';
  let n = 0;
  let wrong = 0;
  return {
    push(text) {
      tail += text;
      let cut = tail.indexOf(separator);
      while (cut >= 0) {
        if (tail.slice(0, cut) !== expected) wrong++;
        n++;
        tail = tail.slice(cut + separator.length);
        cut = tail.indexOf(separator);
      }
    },
    count: () => n,
    bad: () => wrong,
  };
}

const vendorCheck = checker();
const vendor = createServer((req, res) => {
  req.setEncoding('utf8');
  req.on('data', (t: string) => vendorCheck.push(t));
  req.on('end', () => res.end('{"ok":true}'));
});
await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
const vendorPort = (vendor.address() as AddressInfo).port;

/** The gateway on the stack under test: GET /events answers the stream through maskFields; on Express, POST /ingest forwards an upload through scrubPII. */
async function gateway(): Promise<{ port: number; close: () => void }> {
  const listen = async (server: Server): Promise<{ port: number; close: () => void }> => {
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, close: () => void server.close() };
  };
  switch (stack) {
    case 'koa': {
      const app = new Koa();
      app.use(fk.maskFields({ schema: orderSchema }));
      app.use((ctx) => {
        ctx.type = 'text/event-stream';
        ctx.body = source();
      });
      return listen(createServer(app.callback()));
    }
    case 'fastify': {
      const app = Fastify();
      app.get('/events', { preHandler: ff.maskFields({ schema: orderSchema }) }, (_request, reply) => reply.type('text/event-stream').send(source()));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as AddressInfo).port, close: () => void app.close() };
    }
    case 'web': {
      const app = new Hono();
      app.get('/events', fw.middleware(fw.maskFields({ schema: orderSchema })), () => new Response(webSource(), { headers: { 'content-type': 'text/event-stream' } }));
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      if (!server.listening) await new Promise<void>((r) => server.once('listening', () => r()));
      return listen(server);
    }
    default: {
      const app = express();
      app.get('/events', maskFields({ schema: orderSchema }), (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        source().pipe(res);
      });
      // A minimal forwarder: the request piped to the vendor as it is read, as a proxy does.
      app.post('/ingest', scrubPII({ schema: orderSchema }), (req, res) => {
        const out = request({ host: '127.0.0.1', port: vendorPort, method: 'POST', path: '/ingest', headers: req.headers }, (answer) => answer.pipe(res));
        req.pipe(out);
      });
      return listen(createServer(app));
    }
  }
}
const { port, close } = await gateway();

const check = sse ? checker() : vendorCheck;
await new Promise<void>((resolve, reject) => {
  const req = request({ host: '127.0.0.1', port, method: sse ? 'GET' : 'POST', path: sse ? '/events' : '/ingest', headers: sse ? {} : { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (t: string) => (sse ? check.push(t) : undefined));
    res.on('end', resolve);
    res.on('error', reject);
  });
  req.on('error', reject);
  if (sse) req.end();
  else source().pipe(req);
});
clearInterval(sample);
close();
vendor.close();
process.stdout.write(JSON.stringify({ records, bytes: records * record.length, seen: check.count(), wrong: check.bad(), peakHeap: peak }) + '\n');
