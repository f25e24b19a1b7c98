// The answers of proxied protect routes, through real Express and Koa gateways and a real echoing vendor: shape changes raised as responseDrift.
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Alert } from '../../src/index.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';
import { crm, gateway, post, testClock, type App } from './helpers.js';

describe.each(['Express', 'Koa'] as const)('proxied answers on %s', (framework) => {
  let vendor: Vendor;
  let app: App;
  afterEach(async () => {
    await app.close();
    await vendor.close();
  });

  it('raises responseDrift when the vendor answers a field it never answered', async () => {
    vendor = await startVendor({ echo: true });
    const destinations = crm(vendor.url);
    const clock = testClock();
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined, signals: { outboundDrift: false } });
    app = await gateway(framework, destinations, vendor.url);
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 2; i++) {
        const r = await post(app, { id: `o${i}`, contacts: [{ email: 'jane@example.com', plan: 'pro' }] });
        expect(r.status).toBe(200);
      }
      clock.advance(1000);
      await monitor.flush();
    }
    expect(alerts).toEqual([]);
    // The vendor echoes what it received: now with a phone, whose hash it answers too.
    expect((await post(app, { id: 'o9', contacts: [{ email: 'jane@example.com', plan: 'pro', phone: '+49 30 1234567' }] })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    await monitor.flush();
    expect(alerts.map((a) => [a.signal, a.paths])).toEqual([['responseDrift', ['added contacts[*].phone:string']]]);
    expect(JSON.stringify(alerts)).not.toMatch(/jane|1234567/);
    await monitor.close();
  });
});
