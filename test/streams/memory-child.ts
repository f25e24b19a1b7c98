// Run in a child process with a small heap: streams a large SSE answer (and an NDJSON upload) through maskFields/scrubPII and checks every record.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import { maskFields, scrubPII } from '../../src/express/index.js';
import { MASKED_ORDER, SCRUBBED_ORDER, orderSchema, sampleOrder } from '../fixtures/order.js';

const total = Number(process.env['STREAM_BYTES'] ?? 1024 ** 3);
const direction = process.env['STREAM_DIRECTION'] ?? 'response';

// One big record: the order with many items, so the stream is bytes, not per-record overhead.
const order = { ...sampleOrder(), items: Array.from({ length: 300 }, (_, i) => ({ sku: `SKU-${i}`, qty: i, note: 'call me after 6pm' })) };
const masked = { ...MASKED_ORDER, items: order.items.map((it) => ({ ...it, note: '[REDACTED]' })) };
const scrubbed = { ...SCRUBBED_ORDER, items: order.items.map(({ sku, qty }) => ({ sku, qty })) };
const sse = direction === 'response';
const record = Buffer.from(sse ? `event: order\ndata: ${JSON.stringify(order)}\n\n` : `${JSON.stringify(order)}\n`);
const expected = sse ? `event: order\ndata: ${JSON.stringify(masked)}` : JSON.stringify(scrubbed);
const separator = sse ? '\n\n' : '\n';
const records = Math.ceil(total / record.length);

/** The stream: the record repeated, cut into windows of an odd size so values are split across chunks. */
function source(): Readable {
  const size = 65_521;
  const tile = Buffer.concat(Array.from({ length: Math.ceil(size / record.length) + 2 }, () => record));
  const length = records * record.length;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= length) return void this.push(null);
      const at = offset % record.length;
      const n = Math.min(size, length - offset);
      offset += n;
      this.push(tile.subarray(at, at + n));
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
const server = createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

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
server.close();
vendor.close();
process.stdout.write(JSON.stringify({ records, bytes: records * record.length, seen: check.count(), wrong: check.bad(), peakHeap: peak }) + '\n');
