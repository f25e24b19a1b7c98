// The monitor over real Express and Koa gateways and a real local vendor, with an injected clock: baselines, alerts, drift, honeytokens, the kill switch.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMonitor, type Alert, type Monitor, type MonitorAuditEvent } from '../../src/index.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';
import { crm, gateway, post, testClock, type App } from './helpers.js';

const WINDOW = 1000;

describe.each(['Express', 'Koa'] as const)('createMonitor behind protect on %s', (framework) => {
  let vendor: Vendor;
  let app: App;
  let monitor: Monitor;
  let alerts: Alert[];
  let audits: MonitorAuditEvent[];
  let logged: unknown[];
  const clock = testClock();
  let destinations: ReturnType<typeof crm>;

  beforeEach(async () => {
    clock.set(1_700_000_000_000);
    vendor = await startVendor();
    destinations = crm(vendor.url);
    alerts = [];
    audits = [];
    logged = [];
    const logger = { info: (o: object) => void logged.push(o), warn: (o: object) => void logged.push(o), error: (o: object) => void logged.push(o) };
    monitor = createMonitor({
      destinations,
      clock: clock.now,
      window: WINDOW,
      history: 8,
      warmup: 4,
      onAlert: (a) => void alerts.push(a),
      logger,
      audit: (e) => void audits.push(e),
      runbooks: { extraction: 'https://runbooks.example/exfiltration', outboundDrift: 'https://runbooks.example/drift', honeytoken: 'https://runbooks.example/honeytoken' },
      signals: { extraction: { action: 'block' } },
    });
    app = await gateway(framework, destinations, vendor.url);
  });
  afterEach(async () => {
    await monitor.close();
    await app.close();
    await vendor.close();
  });

  /** Steady traffic: each window, five requests about the same five customers. */
  async function steady(windows: number): Promise<void> {
    for (let w = 0; w < windows; w++) {
      for (let i = 0; i < 5; i++) expect((await post(app, { id: `o${i}`, contacts: [{ email: `c${i}@example.com`, plan: 'pro' }] })).status).toBe(200);
      clock.advance(WINDOW);
      await monitor.flush();
    }
  }

  it('raises an extraction alert within two windows of a 10× rise in distinct subjects, and blocks the destination', async () => {
    await steady(6);
    expect(alerts).toEqual([]);
    // Five requests again, but each carries ten customers never seen before: 50 distinct subjects.
    for (let i = 0; i < 5; i++) {
      const contacts = Array.from({ length: 10 }, (_, j) => ({ email: `bulk${i}-${j}@example.com`, plan: 'pro' }));
      expect((await post(app, { id: `b${i}`, contacts })).status).toBe(200);
    }
    const before = vendor.received.length;
    clock.advance(WINDOW);
    await monitor.flush();
    const extraction = alerts.filter((a) => a.signal === 'extraction');
    expect(extraction.map((a) => a.metric).sort()).toEqual(['fields', 'subjects']);
    const subjects = extraction.find((a) => a.metric === 'subjects')!;
    expect(subjects).toMatchObject({ destination: 'crm', baseline: 5, severity: 'critical', runbook: 'https://runbooks.example/exfiltration', action: 'block' });
    expect(subjects.observed).toBeGreaterThanOrEqual(48);
    expect(subjects.observed).toBeLessThanOrEqual(52);
    expect(subjects.score).toBeGreaterThan(6);
    expect(Object.keys(subjects).sort()).toEqual(['action', 'baseline', 'destination', 'id', 'metric', 'observed', 'runbook', 'score', 'severity', 'signal', 'window']);
    expect(new Date(subjects.window.end).getTime() - new Date(subjects.window.start).getTime()).toBe(WINDOW);

    // Blocked: refused with 503, nothing forwarded, audited.
    expect(destinations.suspension('crm')?.reason).toMatch(/^extraction alert /);
    const refused = await post(app, { id: 'x', contacts: [{ email: 'late@example.com' }] });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('ERR_DESTINATION_SUSPENDED');
    expect(vendor.received.length).toBe(before);
    expect(audits).toEqual([expect.objectContaining({ type: 'destination.suspended', destination: 'crm', origin: 'local' })]);

    destinations.resume('crm');
    expect((await post(app, { id: 'y', contacts: [{ email: 'c1@example.com' }] })).status).toBe(200);
    expect(vendor.received.length).toBe(before + 1);
    expect(audits.map((a) => a.type)).toEqual(['destination.suspended', 'destination.resumed']);

    // No value anywhere the monitor wrote: neither the emails nor the hashes the vendor received.
    const written = JSON.stringify([alerts, logged, audits, await monitor.snapshot()]);
    expect(written).not.toMatch(/example\.com/);
    const sentHashes = vendor.received.flatMap((r) => (JSON.parse(r.body) as { contacts: Array<{ email: string }> }).contacts.map((c) => c.email));
    for (const h of sentHashes) expect(written).not.toContain(h);
    expect(logged.some((l) => (l as { fieldguard?: string }).fieldguard === 'alert')).toBe(true);
  });

  it('raises no alert during the warm-up, whatever the traffic', async () => {
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < (w === 2 ? 30 : 1); i++) await post(app, { id: 'o', contacts: [{ email: `w${w}-${i}@example.com`, phone: '+49 30 1234567' }] });
      clock.advance(WINDOW);
      await monitor.flush();
    }
    expect(alerts).toEqual([]);
  });

  it('raises outboundDrift for a field path never sent to the destination before', async () => {
    await steady(5);
    expect((await post(app, { id: 'o9', contacts: [{ email: 'c1@example.com', phone: '+49 30 1234567' }] })).status).toBe(200);
    await monitor.flush();
    const drift = alerts.filter((a) => a.signal === 'outboundDrift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ destination: 'crm', metric: 'paths', observed: 1, paths: ['contacts[*].phone:phone:hash:string'], runbook: 'https://runbooks.example/drift', severity: 'warning' });
    expect(JSON.stringify(alerts)).not.toContain('1234567');
  });

  it('raises outboundDrift when a known path carries a JSON type never sent before', async () => {
    await steady(5);
    expect(alerts).toEqual([]);
    // `id` was always a string; now a number. Same path, same kind, same form.
    expect((await post(app, { id: 42, contacts: [{ email: 'c1@example.com', plan: 'pro' }] })).status).toBe(200);
    await monitor.flush();
    let drift = alerts.filter((a) => a.signal === 'outboundDrift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ destination: 'crm', metric: 'paths', observed: 1, paths: ['id:public:clear:number'], severity: 'warning' });
    // The same again is known now: no second alert; the string form was never forgotten.
    expect((await post(app, { id: 43, contacts: [{ email: 'c1@example.com', plan: 'pro' }] })).status).toBe(200);
    expect((await post(app, { id: 'o1', contacts: [{ email: 'c1@example.com', plan: 'pro' }] })).status).toBe(200);
    await monitor.flush();
    expect(alerts.filter((a) => a.signal === 'outboundDrift')).toHaveLength(1);
    // A hashed field that changes type is seen too, although what leaves is a hash either way.
    expect((await post(app, { id: 'o1', contacts: [{ email: 12345678, plan: 'pro' }] })).status).toBe(200);
    await monitor.flush();
    drift = alerts.filter((a) => a.signal === 'outboundDrift');
    expect(drift).toHaveLength(2);
    expect(drift[1]!.paths).toEqual(['contacts[*].email:email:hash:number']);
    expect(JSON.stringify(alerts)).not.toContain('12345678');
  });

  it('refuses a request carrying a honeytoken — raw, base64 or URL-encoded — with a critical alert and nothing at the vendor', async () => {
    const decoy = monitor.honeytoken({ kind: 'email', domain: 'decoys.example.org', label: 'crm-decoy-1' });
    const card = monitor.honeytoken({ kind: 'cardNumber' });
    const before = vendor.received.length;
    const raw = await post(app, { id: 'h1', contacts: [{ email: decoy }] });
    expect(raw.status).toBe(403);
    expect(JSON.parse(raw.body).error.code).toBe('ERR_HONEYTOKEN_DETECTED');
    const b64 = await post(app, { id: 'h2', contacts: [{ email: 'ok@example.com', plan: `x${Buffer.from(`card=${card};`).toString('base64')}` }] });
    expect(b64.status).toBe(403);
    const inQuery = await post(app, { id: 'h3', contacts: [] }, `/crm/contacts?ref=${encodeURIComponent(decoy)}`);
    expect(inQuery.status).toBe(403);
    expect(vendor.received.length).toBe(before);
    expect(vendor.wire()).not.toContain(decoy.split('@')[0]);
    await monitor.flush();
    const found = alerts.filter((a) => a.signal === 'honeytoken');
    expect(found.map((a) => [a.severity, a.metric, a.honeytoken])).toEqual([
      ['critical', 'body', { label: 'crm-decoy-1', kind: 'email' }],
      ['critical', 'body', { label: 'cardNumber', kind: 'cardNumber' }],
      ['critical', 'url', { label: 'crm-decoy-1', kind: 'email' }],
    ]);
    const written = JSON.stringify([alerts, logged, raw.body, b64.body, inQuery.body]);
    expect(written).not.toContain(decoy);
    expect(written).not.toContain(card);
    // Each header's name and value is searched where it is.
    for (const headers of [{ 'x-ref': `id ${card}` }, { [`x-${card}`]: '1' }]) {
      const r = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ id: 'h4', contacts: [] }) });
      expect(r.status).toBe(403);
    }
    expect(vendor.received.length).toBe(before);
    // A request without a decoy still flows.
    expect((await post(app, { id: 'ok', contacts: [{ email: 'fine@example.com' }] })).status).toBe(200);
  });

  it('counts requests, bytes, sensitive fields by kind and form, and statuses in exported windows', async () => {
    await post(app, { id: 'a', contacts: [{ email: 'a@example.com' }, { email: 'b@example.com', phone: '+1 202 555 0100' }] });
    clock.advance(WINDOW);
    const snap = await monitor.snapshot();
    expect(snap.windowMs).toBe(WINDOW);
    const [w] = snap.destinations['crm']!;
    expect(w!.counts).toMatchObject({ requests: 1, fields: 3, 'kind:email:hash': 2, 'kind:phone:hash': 1 });
    expect(w!.counts['bytes']).toBeGreaterThan(100);
    expect(w!.subjects).toBe(3);
  });
});
