// examples/nestjs run against a real vendor: Nest on Express forwards scrubbed orders and answers masked ones, no leak anywhere.
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNestGateway } from '../../examples/nestjs/app.js';
import { sampleOrder as order } from '../../examples/express-gateway/schema.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';

const RAW = ['jane.doe@example.com', 'Jane Doe', '415-555-0132', '4111 1111 1111 1111', 'Happy birthday', 'diabetes', 'JANE-VIP'];

describe('examples/nestjs', () => {
  let vendor: Vendor;
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    vendor = await startVendor();
    app = await createNestGateway(vendor.url);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await vendor.close();
  });

  it('forwards the vendor public and internal fields only', async () => {
    const res = await fetch(`${url}/vendor/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const got = vendor.received.at(-1)!;
    expect(got.url).toBe('/orders');
    expect(JSON.parse(got.body)).toEqual({ id: 'ord_1001', status: 'paid', total: 42.5, customer: { id: 'cus_77' }, items: [{ sku: 'SKU-1', qty: 2 }] });
    expect(RAW.filter((v) => vendor.wire().includes(v))).toEqual([]);
  });

  it('masks what the controller returns', async () => {
    const res = await fetch(`${url}/orders/ord_1001`);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ id: 'ord_1001', customer: { id: 'cus_77', email: 'j***@example.com', name: '[REDACTED]' }, card: '**** **** **** 1111' });
    // The coupon is untagged: maskFields keeps it after its detectors found nothing in it, as in the Express example.
    expect(RAW.filter((v) => text.includes(v))).toEqual(['JANE-VIP']);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  });

  it('answers malformed JSON without quoting it, and forwards nothing', async () => {
    const before = vendor.received.length;
    const res = await fetch(`${url}/vendor/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"customer":{"email":"jane.doe@example.com", 4111' });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(RAW.filter((v) => text.includes(v))).toEqual([]);
    expect(text).not.toContain('jane.doe');
    expect(vendor.received.length).toBe(before);
  });
});
