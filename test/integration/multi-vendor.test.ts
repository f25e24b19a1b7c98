// The multi-vendor example, through the built package: each vendor receives its policy's view of one order.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../examples/multi-vendor/service.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';

const order = {
  id: 'o-9',
  status: 'paid',
  total: 10,
  customer: { id: 'c-9', email: 'jane.doe@example.com', name: 'Jane Doe', phone: '+1 415-555-0132' },
  shipTo: { street: '1 Main Street', city: 'Springfield', postalCode: '94110' },
  items: [{ sku: 'A', qty: 1 }],
  diagnosis: 'asthma',
};

describe('examples/multi-vendor', () => {
  const vendors: Record<string, Vendor> = {};
  let app: Awaited<ReturnType<typeof listen>>;
  const logged: unknown[] = [];
  beforeAll(async () => {
    for (const n of ['analytics', 'shipping', 'support']) vendors[n] = await startVendor();
    const log = (...a: unknown[]) => void logged.push(a);
    app = await listen(createServer(createService({ analytics: vendors['analytics']!.url, shipping: vendors['shipping']!.url, support: vendors['support']!.url }, { info: log, warn: log, error: log })));
  });
  afterAll(async () => {
    await app.close();
    for (const v of Object.values(vendors)) await v.close();
  });

  it('sends each vendor its policy view, logs no value and reports the flows', async () => {
    for (const n of ['analytics', 'shipping', 'support']) {
      const r = await fetch(`${app.url}/${n}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
      expect(r.status).toBe(200);
      await r.text();
    }
    const analytics = JSON.parse(vendors['analytics']!.received[0]!.body);
    expect(analytics.customer.email).toMatch(/^tok_/);
    expect(analytics.diagnosis).toMatch(/^hmac_k-2026_/);
    expect(JSON.parse(vendors['shipping']!.received[0]!.body)).toEqual({ id: 'o-9', status: 'paid', total: 10, customer: { id: 'c-9', name: 'Jane Doe' }, shipTo: order.shipTo, items: [{ sku: 'A', qty: 1 }] });
    expect(JSON.parse(vendors['support']!.received[0]!.body).customer.email).toBe('j***@example.com');
    const all = JSON.stringify(logged) + vendors['analytics']!.received[0]!.body + vendors['support']!.received[0]!.body;
    for (const raw of ['jane.doe@example.com', '415-555-0132', 'asthma', 'Springfield']) expect(all).not.toContain(raw);
    const flows = await (await fetch(`${app.url}/admin/flows`)).json();
    expect(Object.keys(flows).sort()).toEqual(['analytics', 'shipping', 'support']);
  });
});
