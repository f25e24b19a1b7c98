// A sixth outside review (a helper attacking this round's faster honeytoken search). Real Express and Koa gateways on
// 127.0.0.1 proxying to a real local vendor. The case below got a decoy out when it was written, and asserts what should
// happen:
// - A decoy held in a boxed string (`new String(decoy)`) in the body an app hands protect reaches the vendor: the walk
//   writes it as the string it holds, as JSON.stringify does, but the decoy search read the box as an object of
//   one-character keys (src/monitor/honeytokens.ts visit()).
//
// What held (tried, no decoy out; kept as property tests): every input of a differential search against the former
// honeytokens.ts — 400,000 random texts of grouped cards, 40 separators and escapes, runs of up to 900 digits, noise of
// card-like characters; an 863,460-text grid of one card cut at each point behind 0–40 filler characters; 140,000 parsed
// values and 200,510 numbers (two-decimal amounts up to ±1e6, cards with a point at every place, exponents, NaN, ±0,
// ±Infinity, the extremes). test/property/grouped-card.property.test.ts keeps the grouped-card and number rules.
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Alert, type Monitor } from '../../src/index.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';
import { crm, gateway, testClock, type App } from '../monitor/helpers.js';

describe.each(['Express', 'Koa'] as const)('monitor on %s: a decoy in a boxed string', (framework) => {
  let vendor: Vendor | undefined;
  let app: App | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.close();
    await app?.close();
    await vendor?.close();
  });

  it('a body holding new String(decoy) in a public field or a list is refused, and nothing reaches the vendor', async () => {
    vendor = await startVendor();
    const destinations = crm(vendor.url);
    const alerts: Alert[] = [];
    monitor = createMonitor({ destinations, clock: testClock().now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const key = monitor.honeytoken({ kind: 'apiKey', label: 'key-decoy' });
    const card = monitor.honeytoken({ kind: 'cardNumber', label: 'card-decoy' });
    const grouped = card.match(/\d{4}/g)!.join(' ');
    // The request names which decoy the route puts in a box, and where.
    const boxes: Record<string, () => unknown> = {
      'key in id': () => ({ id: new String(key), contacts: [] }),
      'card in id': () => ({ id: new String(card), contacts: [] }),
      'grouped card in id': () => ({ id: new String(grouped), contacts: [] }),
      'key in a plan': () => ({ id: 'o1', contacts: [{ email: 'a@example.com', plan: new String(key) }] }),
    };
    app = await gateway(framework, destinations, vendor.url, (sent) => boxes[(sent as { id: string }).id]!());
    const statuses: Array<[string, number]> = [];
    for (const id of Object.keys(boxes)) {
      const r = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, contacts: [] }) });
      await r.text();
      statuses.push([id, r.status]);
    }
    await monitor.flush();
    expect(statuses).toEqual(Object.keys(boxes).map((id) => [id, 403]));
    expect(vendor.received).toHaveLength(0);
    const wire = vendor.wire();
    for (const v of [key, card, grouped]) expect(wire).not.toContain(v);
    expect(wire.replace(/\D/g, '')).not.toContain(card);
    // One critical alert per decoy and window: the key twice and the card in two spellings raise two.
    expect(alerts.map((a) => [a.signal, a.severity, a.honeytoken?.label]).sort()).toEqual([
      ['honeytoken', 'critical', 'card-decoy'],
      ['honeytoken', 'critical', 'key-decoy'],
    ]);
    for (const a of alerts) expect(JSON.stringify(a)).not.toContain(key);
  });
});
