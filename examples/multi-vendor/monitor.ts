// `npm run demo:monitor`: the multi-vendor service under a monitor — steady traffic, then a bulk export to one vendor raises an extraction alert and suspends it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { createMonitor, defineDestinations, defineSchema, type Alert } from 'fieldguard';
import { protect } from 'fieldguard/express';
import { createVault, keyRing, memoryStore } from 'fieldguard/vault';
import { destinations as declared, Order } from './fieldguard.config.js';

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

// Three local vendors that count what they receive.
const received: Record<string, number> = { analytics: 0, shipping: 0, support: 0 };
const vendors: Record<string, string> = {};
const servers: Server[] = [];
for (const name of Object.keys(received)) {
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received[name]!++;
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  servers.push(s);
  vendors[name] = await listen(s);
}

const keys = keyRing({ keys: { 'k-2026': Buffer.alloc(32, 11).toString('base64') } });
const destinations = defineDestinations(declared, { vault: createVault({ store: memoryStore(), keys, audit: () => undefined }) });
// A clock the demo moves, so that an hour of one-minute windows passes in a second.
let now = Date.UTC(2026, 0, 1, 9);
const monitor = createMonitor({
  destinations,
  clock: () => now,
  window: '1m',
  onAlert: (a: Alert) => console.log(`\n🔔 ${a.severity} ${a.signal} alert on ${a.destination} (${a.metric}): observed ${a.observed}, baseline ${a.baseline}, score ${a.score}, action ${a.action}\n   runbook: ${a.runbook}`),
  audit: (e) => console.log(`📝 audit: ${e.type} ${e.destination} — ${e.reason}`),
  runbooks: { extraction: 'https://runbooks.example/exfiltration', volume: 'https://runbooks.example/traffic-spike' },
  signals: { extraction: { action: 'block' } },
});

const schema = defineSchema(Order);
const app = express();
for (const name of Object.keys(received)) {
  app.post(`/${name}/orders`, express.json(), protect({ schema, destinations, destination: name }),
    createProxyMiddleware({ target: vendors[name], pathRewrite: { [`^/${name}`]: '' }, on: { proxyReq: fixRequestBody } }));
}
const gateway = createServer(app);
const base = await listen(gateway);

const order = (i: number) => ({
  id: `ord_${i}`, status: 'paid', total: 42,
  customer: { id: `cus_${i}`, email: `customer${i}@example.com`, name: `Customer ${i}` },
  shipTo: { street: '1 Example Street', city: 'Berlin', postalCode: '10115' },
  items: [{ sku: 'SKU-1', qty: 1 }],
});
const send = async (vendor: string, i: number): Promise<number> =>
  (await fetch(`${base}/${vendor}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order(i)) })).status;

console.log('Ten minutes of steady traffic: each minute, five orders from the same twenty customers to each vendor.');
for (let minute = 0; minute < 10; minute++) {
  for (let i = 0; i < 5; i++) for (const v of Object.keys(received)) await send(v, (minute * 5 + i) % 20);
  now += 60_000;
  await monitor.flush();
}
console.log(`No alert so far: ${monitor.alerts().length}.`);

console.log('\nMinute 11: a job sends 200 orders of 200 different customers to analytics.');
for (let i = 0; i < 200; i++) await send('analytics', 1000 + i);
now += 60_000;
await monitor.flush();

const refused = await send('analytics', 1);
console.log(`\nThe next order to analytics: HTTP ${refused} (ERR_DESTINATION_SUSPENDED); shipping still answers ${await send('shipping', 1)}.`);
destinations.resume('analytics');
console.log(`After resume: analytics answers ${await send('analytics', 2)}.`);
console.log(`\nThe vendors received: ${JSON.stringify(received)}. The alerts carry counts, scores and runbooks — no email, no token.`);

await monitor.close();
gateway.close();
for (const s of servers) s.close();
