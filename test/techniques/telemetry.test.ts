// dpTelemetry on real Express and Koa servers: a real local vendor receives one release of noisy aggregates per window, and no event of any request.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { afterEach, describe, expect, it } from 'vitest';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import type { TelemetryRelease } from '../../src/index.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { canaries, findLeaks, type Canaries } from '../leaks/canaries.js';
import { thrown } from '../helpers/thrown.js';
import { seeded } from './seeded.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const metrics = {
  requests: { type: 'count' },
  errors: { type: 'count', where: (e: { status: number }) => e.status >= 400 },
  latency: { type: 'mean', value: (e: { durationMs: number }) => e.durationMs, lower: 0, upper: 1000 },
  status: { type: 'histogram', value: (e: { status: number }) => `${Math.floor(e.status / 100)}xx`, bins: ['2xx', '4xx', '5xx'] },
} as const;

async function traffic(url: string, planted: readonly Canaries[]): Promise<void> {
  for (const [i, c] of planted.entries()) {
    await fetch(`${url}/orders?email=${encodeURIComponent(c.email)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': c.name, authorization: `Bearer ${c.jwt}` },
      body: JSON.stringify({ card: c.card, ssn: c.ssn, iban: c.iban, note: c.health, phone: c.phone, fail: i % 5 === 0 }),
    }).then((r) => r.arrayBuffer());
  }
  // on-finished runs after the answer is handed to the socket.
  await new Promise((r) => setTimeout(r, 20));
}

function checkRelease(vendor: Vendor, planted: readonly Canaries[]): TelemetryRelease {
  // One request for the whole window, whatever the traffic.
  expect(vendor.received).toHaveLength(1);
  const got = vendor.received[0]!;
  expect(got.method).toBe('POST');
  const release = JSON.parse(got.body) as TelemetryRelease;
  expect(Object.keys(release).sort()).toEqual(['epsilon', 'metrics', 'window']);
  expect(Object.keys(release.metrics).sort()).toEqual(['errors', 'latency', 'requests', 'status']);
  expect(Object.keys(release.metrics['status'] as object).sort()).toEqual(['2xx', '4xx', '5xx']);
  expect(release.epsilon).toBe(2);
  // 20 requests, 4 of them errors: the noisy figures are near (ε = 0.5 per metric), never the events.
  expect(Math.abs((release.metrics['requests'] as number) - 20)).toBeLessThan(25);
  expect(findLeaks({ wire: vendor.wire(), body: got.body, url: got.url, headers: JSON.stringify(got.headers) }, planted)).toEqual([]);
  return release;
}

describe('dpTelemetry', () => {
  it('Express: sends only noisy aggregates per window to the vendor, nothing per event', async () => {
    const vendor = await startVendor();
    cleanups.push(() => vendor.close());
    const telemetry = fx.dpTelemetry({ destination: `${vendor.url}/aggregates`, metrics, epsilon: 2, window: 60_000, random: seeded(1), subject: (e) => e.native.get('x-user') });
    const app = express();
    app.use(telemetry);
    app.post('/orders', express.json(), (req, res) => {
      res.status((req.body as { fail?: boolean }).fail ? 422 : 201).json({ ok: true });
    });
    const server = await listen(createServer(app));
    cleanups.push(() => server.close(), () => telemetry.close());
    const planted = Array.from({ length: 20 }, () => canaries());
    await traffic(server.url, planted);
    expect(vendor.received).toHaveLength(0);
    const release = await telemetry.flush();
    expect(checkRelease(vendor, planted)).toEqual(release);
  });

  it('Koa: the same behaviour through the Koa adapter', async () => {
    const vendor = await startVendor();
    cleanups.push(() => vendor.close());
    const telemetry = fk.dpTelemetry({ destination: `${vendor.url}/aggregates`, metrics, epsilon: 2, window: 60_000, random: seeded(2), subject: (e) => e.native.get('x-user') });
    const app = new Koa();
    app.use(telemetry);
    app.use(bodyParser());
    app.use((ctx) => {
      const body = ctx.request.body as { fail?: boolean };
      ctx.status = body.fail ? 422 : 201;
      ctx.body = { ok: true };
    });
    const server = await listen(createServer(app.callback()));
    cleanups.push(() => server.close(), () => telemetry.close());
    const planted = Array.from({ length: 20 }, () => canaries());
    await traffic(server.url, planted);
    await telemetry.flush();
    checkRelease(vendor, planted);
  });

  it('releases a window without events too, so a release says nothing about activity', async () => {
    const releases: TelemetryRelease[] = [];
    const telemetry = fx.dpTelemetry({ destination: (r) => void releases.push(r), metrics: { requests: { type: 'count' } }, epsilon: 1, window: 1000, random: seeded(3) });
    await telemetry.close();
    expect(releases).toHaveLength(1);
    expect(typeof releases[0]!.metrics['requests']).toBe('number');
  });

  it('refuses an insecure destination and unclear metrics at start-up', () => {
    expect(thrown(() => fx.dpTelemetry({ destination: 'http://metrics.example.com/x', metrics: { n: { type: 'count' } }, epsilon: 1, window: 60_000 })).code).toBe('ERR_INSECURE_TRANSPORT');
    expect(thrown(() => fk.dpTelemetry({ destination: 'https://m.example.com', metrics: { n: { type: 'mean', value: () => 1 } as never }, epsilon: 1, window: 60_000 })).message).toMatch(/clipping bounds/);
    expect(thrown(() => fk.dpTelemetry({ destination: 'https://m.example.com', metrics: {}, epsilon: 1, window: 60_000 })).code).toBe('ERR_INVALID_OPTIONS');
  });
});

describe('dpTelemetry limits', () => {
  it('holds at most maxEvents per window and counts each subject at most `contributions` times', async () => {
    const releases: TelemetryRelease[] = [];
    const telemetry = fx.dpTelemetry({
      destination: (r) => void releases.push(r),
      metrics: { requests: { type: 'count' } },
      epsilon: 1e6,
      window: 60_000,
      maxEvents: 30,
      contributions: 2,
      subject: (e) => e.native.get('x-user'),
      random: seeded(4),
    });
    const app = express();
    app.use(telemetry);
    app.get('/', (_req, res) => res.sendStatus(204));
    const server = await listen(createServer(app));
    cleanups.push(() => server.close(), () => telemetry.close());
    for (let i = 0; i < 40; i++) await fetch(`${server.url}/`, { headers: { 'x-user': i < 20 ? 'heavy' : `u${i}` } }).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 20));
    const release = await telemetry.flush();
    // 30 events held: 20 of "heavy" count twice, the next 10 subjects once each.
    expect(release.metrics['requests']).toBe(12);
    expect(thrown(() => fx.dpTelemetry({ destination: () => undefined, metrics: { n: { type: 'count' } }, epsilon: 1, window: 60_000, contributions: 0 })).code).toBe('ERR_INVALID_OPTIONS');
  });
});

describe('dpTelemetry beside guardFetch', () => {
  it('records vendor calls made outside the middleware, and still sends only the aggregate', async () => {
    const releases: TelemetryRelease[] = [];
    const telemetry = fk.dpTelemetry({ destination: (r) => void releases.push(r), metrics: { calls: { type: 'count' }, slow: { type: 'count', where: (e) => e.durationMs > 100 } }, epsilon: 1e6, window: 60_000, random: seeded(6) });
    const planted = canaries();
    for (let i = 0; i < 7; i++) telemetry.record({ method: 'POST', route: '/v1/contacts', status: 201, durationMs: i * 30, native: { email: planted.email } });
    await telemetry.close();
    expect(releases[0]!.metrics).toEqual({ calls: 7, slow: 3 });
    expect(findLeaks({ release: JSON.stringify(releases) }, planted)).toEqual([]);
  });
});
