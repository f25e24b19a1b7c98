// `npm run demo`: runs the example gateway and its vendor on 127.0.0.1 and shows what crossed each boundary.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, createVendor } from './app.js';
import { sampleOrder as order } from './schema.js';

const received: unknown[] = [];
const vendor = createVendor(received);
await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
const vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
const gateway = createServer(createGateway(vendorUrl));
await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;


function show(title: string, value: unknown): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);
  console.log(JSON.stringify(value, null, 2));
}

const post = await fetch(`${base}/orders`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(order),
});
show('1. the client sent POST /orders', order);
show('2. the analytics vendor received (scrubPII)', received.at(-1));
show(`3. the client got back (${post.status})`, await post.json());

const get = await fetch(`${base}/orders/ord_1001`);
show(`4. GET /orders/ord_1001 answered (${get.status}, maskFields)`, await get.json());

const bad = await fetch(`${base}/orders`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"id":"ord_1002","customer":{"email":"jane.doe@example.com",',
});
show(`5. malformed JSON is refused (${bad.status}); nothing reaches the vendor`, await bad.json());
console.log(`\nThe vendor received ${received.length} request(s) in all.`);

gateway.close();
vendor.close();
