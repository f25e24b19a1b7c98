// guardFetch's answers (response drift) against a real local HTTPS vendor, and a fleet of two instances sharing Redis.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, defineDestinations, redisMonitorStore, type Alert, type MonitorAuditEvent } from '../../src/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { selfSigned } from '../helpers/tls.js';
import { redisClient, redisUrl } from '../helpers/redis.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';
import { crm, gateway, keys, post, schema, testClock, type App } from './helpers.js';

const tls = selfSigned();

describe('responseDrift from guardFetch answers', () => {
  let answer: unknown = { id: 'c1', status: 'active', score: 3 };
  let server: ReturnType<typeof createServer>;
  let url: string;
  beforeAll(async () => {
    server = createServer(tls, (req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('alerts when the vendor adds and retypes fields, naming paths and types only', async () => {
    const clock = testClock();
    const destinations = crm(url);
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const f = guardFetch({ destinations, schemaFor: () => schema, ca: tls.cert });
    const call = async (): Promise<void> => {
      const r = await f(`${url}/v1/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o1', contacts: [{ email: 'jane@example.com' }] }) });
      expect(r.status).toBe(200);
      await r.text();
      await new Promise((r) => setTimeout(r, 5));
    };
    for (let w = 0; w < 3; w++) {
      await call();
      await call();
      clock.advance(1000);
      await monitor.flush();
    }
    expect(alerts.filter((a) => a.signal === 'responseDrift')).toEqual([]);
    answer = { id: 'c1', status: 1, score: 3, ssnOnFile: true, 'jane.doe@example.com': { x: 1 } };
    await call();
    await monitor.flush();
    const drift = alerts.filter((a) => a.signal === 'responseDrift');
    expect(drift).toHaveLength(1);
    expect([...drift[0]!.paths!].sort()).toEqual(['added *.x:number', 'added *:object', 'added ssnOnFile:boolean', 'retyped status:number']);
    expect(JSON.stringify(alerts)).not.toContain('jane');
    const snap = await monitor.snapshot();
    expect(snap.destinations['crm']!.reduce((n, w) => n + (w.counts['status:2xx'] ?? 0), 0)).toBe(7);
    await monitor.close();
  });

  it('refuses a guardFetch call to a suspended destination, and one that carries a honeytoken in a header, sending nothing', async () => {
    const destinations = crm(url);
    const monitor = createMonitor({ destinations, clock: testClock().now, audit: () => undefined });
    const f = guardFetch({ destinations, schemaFor: () => schema, ca: tls.cert });
    const key = monitor.honeytoken({ kind: 'apiKey' });
    await expect(f(`${url}/v1/contacts`, { headers: { authorization: `Bearer ${key}` } })).rejects.toMatchObject({ code: 'ERR_HONEYTOKEN_DETECTED' });
    destinations.suspend('crm', 'vendor breach notice');
    await expect(f(`${url}/v1/contacts`)).rejects.toMatchObject({ code: 'ERR_DESTINATION_SUSPENDED', status: 503 });
    destinations.resume('crm');
    expect((await f(`${url}/v1/contacts`)).status).toBe(200);
    await monitor.close();
  });
});

const REDIS = redisUrl();

describe.skipIf(REDIS === undefined)('a fleet sharing redisMonitorStore', () => {
  const prefix = `fieldguard-test:monitor:${process.pid}:${Date.now()}:`;
  const clients = [redisClient(REDIS!), redisClient(REDIS!)];
  let vendor: Vendor;
  const apps: App[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
    await vendor?.close();
    const keysLeft = await clients[0]!.keys(`${prefix}*`);
    if (keysLeft.length > 0) await clients[0]!.del(...keysLeft);
    for (const c of clients) c.disconnect();
  });

  it('refuses a honeytoken minted on one instance on every instance sharing the store, and stores it sealed', async () => {
    const vendor = await startVendor();
    const hprefix = `${prefix}decoys:`;
    const instances = clients.map((client) => {
      const destinations = crm(vendor.url);
      const alerts: Alert[] = [];
      const monitor = createMonitor({ destinations, store: redisMonitorStore(client, { prefix: hprefix }), clock: testClock().now, onAlert: (a) => void alerts.push(a), audit: () => undefined });
      return { destinations, monitor, alerts };
    });
    const express = await gateway('Express', instances[0]!.destinations, vendor.url);
    const koa = await gateway('Koa', instances[1]!.destinations, vendor.url);
    const card = instances[0]!.monitor.honeytoken({ kind: 'cardNumber', label: 'ledger-decoy' });
    const email = instances[1]!.monitor.honeytoken({ kind: 'email', domain: 'decoys.example.org' });
    for (const i of instances) await i.monitor.flush();
    for (const i of instances) await i.monitor.flush();
    const before = vendor.received.length;
    // Each decoy is refused on the instance that did not mint it, raw and base64.
    const onKoa = await post(koa, { id: 'h1', contacts: [{ email: 'ok@example.com', plan: card }] });
    expect(onKoa.status).toBe(403);
    expect(JSON.parse(onKoa.body).error.code).toBe('ERR_HONEYTOKEN_DETECTED');
    const onExpress = await post(express, { id: 'h2', contacts: [{ email: 'ok@example.com', plan: Buffer.from(`to=${email}`).toString('base64') }] });
    expect(onExpress.status).toBe(403);
    expect(vendor.received.length).toBe(before);
    await Promise.all(instances.map((i) => i.monitor.flush()));
    expect(instances[1]!.alerts.filter((a) => a.signal === 'honeytoken')).toEqual([expect.objectContaining({ severity: 'critical', honeytoken: { label: 'ledger-decoy', kind: 'cardNumber' } })]);
    expect(instances[0]!.alerts.filter((a) => a.signal === 'honeytoken')).toHaveLength(1);
    // A monitor started later learns both from the store.
    const late = createMonitor({ destinations: crm(vendor.url), store: redisMonitorStore(clients[0]!, { prefix: hprefix }), clock: testClock().now, audit: () => undefined });
    await late.flush();
    expect(late.honeytokens().map((t) => t.value).sort()).toEqual([card, email].sort());
    // An entry written in clear into the store (by whoever can write to it) is not trusted by a fleet with keys.
    await clients[0]!.rpush(`${hprefix}honeytokens`, JSON.stringify('x'), `plain:${JSON.stringify({ value: 'ordinary-text-00000000', kind: 'apiKey', label: 'forged' })}`);
    await late.flush();
    expect(late.honeytokens()).toHaveLength(2);
    await clients[0]!.ltrim(`${hprefix}honeytokens`, 0, 1);
    // What Redis holds: two sealed entries, no decoy in any form.
    const stored = await clients[0]!.lrange(`${hprefix}honeytokens`, 0, -1);
    expect(stored).toHaveLength(2);
    for (const e of stored) expect(e).toMatch(/^enc_k1_/);
    const everything = JSON.stringify(stored);
    for (const v of [card, email, email.split('@')[0]!, Buffer.from(card).toString('base64')]) expect(everything).not.toContain(v);
    await late.close();
    for (const i of instances) await i.monitor.close();
    const mine = await clients[0]!.keys(`${hprefix}*`);
    if (mine.length > 0) await clients[0]!.del(...mine);
    await express.close();
    await koa.close();
    await vendor.close();
  });

  it('sees a spike spread over two instances as one, blocks both, and resumes both', async () => {
    vendor = await startVendor();
    const clock = testClock();
    const alerts: Alert[] = [];
    const audits: MonitorAuditEvent[] = [];
    const instances = clients.map((client) => {
      const destinations = defineDestinations(
        { crm: { vendor: 'CRM Inc', baseUrl: vendor.url, region: 'DE', lawfulBasis: 'contract', purpose: 'customer records', rules: { public: 'keep', internal: 'keep', personal: 'hash' } } },
        { keys },
      );
      const monitor = createMonitor({
        destinations,
        store: redisMonitorStore(client, { prefix }),
        clock: clock.now,
        window: 1000,
        history: 8,
        warmup: 4,
        onAlert: (a) => void alerts.push(a),
        audit: (e) => void audits.push(e),
        signals: { volume: { action: 'block' } },
      });
      return { destinations, monitor };
    });
    for (const i of instances) apps.push(await gateway('Express', i.destinations, vendor.url));
    for (let w = 0; w < 5; w++) {
      // Three requests a window in all: two on one instance, one on the other.
      await post(apps[0]!, { id: 'a', contacts: [{ email: 'a@example.com' }] });
      await post(apps[0]!, { id: 'b', contacts: [{ email: 'b@example.com' }] });
      await post(apps[1]!, { id: 'c', contacts: [{ email: 'c@example.com' }] });
      clock.advance(1000);
      for (const i of instances) await i.monitor.flush();
    }
    // Twelve requests on each instance: both evaluate the fleet's totals, 24 against a baseline of 3.
    for (let n = 0; n < 12; n++) {
      await post(apps[0]!, { id: 'a', contacts: [{ email: 'a@example.com' }] });
      await post(apps[1]!, { id: 'c', contacts: [{ email: 'c@example.com' }] });
    }
    clock.advance(1000);
    for (const i of instances) await i.monitor.flush();
    const volume = alerts.filter((a) => a.signal === 'volume' && a.metric === 'requests');
    // Claimed once in Redis: the fleet raises the alert once.
    expect(volume).toHaveLength(1);
    expect(volume[0]).toMatchObject({ observed: 24, baseline: 3, action: 'block' });
    for (const i of instances) await i.monitor.flush();
    for (const i of instances) expect(i.destinations.suspension('crm')).toBeDefined();
    const before = vendor.received.length;
    expect((await post(apps[1]!, { id: 'c', contacts: [] })).status).toBe(503);
    expect((await post(apps[0]!, { id: 'a', contacts: [] })).status).toBe(503);
    expect(vendor.received.length).toBe(before);
    expect(audits.map((a) => [a.type, a.origin]).sort()).toEqual([
      ['destination.suspended', 'local'],
      ['destination.suspended', 'shared'],
    ]);
    instances[1]!.destinations.resume('crm');
    for (const i of instances) await i.monitor.flush();
    for (const i of instances) await i.monitor.flush();
    for (const i of instances) expect(i.destinations.suspension('crm')).toBeUndefined();
    expect((await post(apps[0]!, { id: 'a', contacts: [] })).status).toBe(200);
    // Nothing but counts and sketches in Redis.
    const stored = await clients[0]!.keys(`${prefix}*`);
    expect(stored.length).toBeGreaterThan(0);
    for (const k of stored) {
      const type = await clients[0]!.type(k);
      const dump = type === 'hash' ? JSON.stringify(await clients[0]!.hgetall(k)) : type === 'set' ? JSON.stringify(await clients[0]!.smembers(k)) : String(await clients[0]!.get(k));
      expect(dump).not.toMatch(/example\.com/);
    }
    for (const i of instances) await i.monitor.close();
  });
});
