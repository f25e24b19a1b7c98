// The example gateway behind `npm run demo`, run against its vendor: exact bodies, no leak anywhere.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createVendor } from '../../examples/express-gateway/app.js';
import { listen } from '../helpers/vendor.js';
import type { Report } from '../../src/index.js';
import { sampleOrder as order } from '../../examples/express-gateway/schema.js';

const RAW = ['jane.doe@example.com', 'Jane Doe', '415-555-0132', '4111 1111 1111 1111', 'Happy birthday', 'diabetes', 'JANE-VIP'];

describe('examples/express-gateway', () => {
  const received: unknown[] = [];
  const reports: Report[] = [];
  let vendor: Awaited<ReturnType<typeof listen>>;
  let gateway: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    vendor = await listen(createVendor(received));
    gateway = await listen(createServer(createGateway(vendor.url, (r) => reports.push(r))));
  });
  afterAll(async () => {
    await gateway.close();
    await vendor.close();
  });

  it('sends the vendor public and internal fields only, and masks what clients read', async () => {
    const post = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(await post.json()).toEqual({ accepted: true });
    expect(received).toEqual([{ id: 'ord_1001', status: 'paid', total: 42.5, customer: { id: 'cus_77' }, items: [{ sku: 'SKU-1', qty: 2 }] }]);
    expect(RAW.filter((v) => JSON.stringify(received).includes(v))).toEqual([]);
    expect(reports[0]).toMatchObject({ kept: 6, dropped: 7, untagged: 1 });

    const get = await fetch(`${gateway.url}/orders/ord_1001`);
    const body = await get.text();
    expect(JSON.parse(body)).toEqual({
      ...order,
      customer: { id: 'cus_77', email: 'j***@example.com', name: '[REDACTED]', phone: '+* ***-***-**32' },
      card: '**** **** **** 1111',
      items: [{ sku: 'SKU-1', qty: 2, giftNote: '[REDACTED]' }],
      diagnosis: '[REDACTED]',
    });
  });
});
