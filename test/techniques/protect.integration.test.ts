// protect with generalize and shiftDates policies on real Express and Koa gateways: the local vendor never sees a raw birth date, postal code, IP or position.
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import c2k from 'koa-connect';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDestinations, defineSchema, flows, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { keyRing } from '../../src/vault/keys.js';
import { encodings } from '../leaks/canaries.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';

const schema = defineSchema(
  z.object({
    patient: z.object({
      id: tag(z.string(), 'internal'),
      name: tag(z.string(), 'personal', { kind: 'name' }),
      birthDate: tag(z.string(), 'personal', { kind: 'birthDate' }),
      postalCode: tag(z.string(), 'personal', { kind: 'postalCode' }),
    }),
    device: z.object({ ip: tag(z.string(), 'personal', { kind: 'ipAddress' }), position: tag(z.object({ lat: z.number(), lon: z.number() }), 'personal', { kind: 'geo' }) }),
    visit: z.object({ at: tag(z.string(), 'special'), until: tag(z.string(), 'special'), reason: tag(z.string(), 'special', { kind: 'freeText' }) }),
    weightKg: tag(z.number(), 'personal'),
  }),
);

const keys = keyRing({ keys: { k1: randomBytes(32).toString('base64') } });
const destinations = defineDestinations(
  {
    research: {
      vendor: 'Research Analytics',
      region: 'US',
      lawfulBasis: 'legitimate_interests',
      purpose: 'outcome research',
      rules: { internal: 'keep', personal: 'generalize', special: 'drop' },
      generalize: { country: 'US', width: 5 },
      paths: { 'visit.at': 'shiftDates', 'visit.until': 'shiftDates' },
      shiftDates: { subject: 'patient.id', days: 15 },
    },
  },
  { keys },
);

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
/** Fresh values on every run: a leak cannot pass by matching a value the code happens to know. */
function planted() {
  const year = randomInt(1940, 2000);
  const at = Date.UTC(2026, 0, 1) + randomInt(0, 300) * 86_400_000;
  return {
    id: `p-${randomBytes(4).toString('hex')}`,
    name: `Canary ${randomBytes(3).toString('hex')}`,
    birthDate: `${year}-${pad(randomInt(1, 13), 2)}-${pad(randomInt(1, 29), 2)}`,
    postalCode: `${randomInt(100, 1000)}${pad(randomInt(0, 100), 2)}`,
    ip: `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`,
    // Six decimals whose last is not 0: a shorter text (11.31 for 11.310000) could be found by chance at the
    // start of the generalized cell's coordinate (11.313324), which is not the raw value.
    lat: Number(`48.${pad(randomInt(10_000, 100_000) * 10 + randomInt(1, 10), 6)}`),
    lon: Number(`11.${pad(randomInt(10_000, 100_000) * 10 + randomInt(1, 10), 6)}`),
    at: new Date(at).toISOString().slice(0, 10),
    until: new Date(at + 4 * 86_400_000).toISOString().slice(0, 10),
    reason: `pain since ${randomBytes(3).toString('hex')}`,
    weight: 60 + randomInt(0, 40) + 0.37,
  };
}
type Planted = ReturnType<typeof planted>;
const body = (p: Planted) => ({
  patient: { id: p.id, name: p.name, birthDate: p.birthDate, postalCode: p.postalCode },
  device: { ip: p.ip, position: { lat: p.lat, lon: p.lon } },
  visit: { at: p.at, until: p.until, reason: p.reason },
  weightKg: p.weight,
});

function proxy(vendorUrl: string) {
  return createProxyMiddleware({ target: vendorUrl, changeOrigin: true, pathRewrite: { '^/vendor': '' }, on: { proxyReq: fixRequestBody } });
}

const gateways: Record<string, (vendorUrl: string) => Promise<{ url: string; close: () => Promise<void> }>> = {
  express: async (vendorUrl) => {
    const app = express();
    app.post('/vendor/visits', express.json(), fx.protect({ schema, destinations, destination: 'research' }), proxy(vendorUrl));
    app.use(fx.errorHandler());
    return listen(createServer(app));
  },
  koa: async (vendorUrl) => {
    const app = new Koa();
    const forward = c2k(proxy(vendorUrl));
    app.use(fk.errorHandler());
    app.use(bodyParser());
    app.use(fk.protect({ schema, destinations, destination: 'research' }));
    app.use((ctx, next) => {
      ctx.respond = false;
      return forward(ctx, next);
    });
    return listen(createServer(app.callback()));
  },
};

for (const [name, start] of Object.entries(gateways)) {
  describe(`protect with generalize and shiftDates (${name})`, () => {
    let vendor: Vendor;
    let gateway: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      vendor = await startVendor();
      gateway = await start(vendor.url);
    });
    afterAll(async () => {
      await gateway.close();
      await vendor.close();
    });

    it('forwards the generalized and shifted view, and no raw value in any encoding', async () => {
      flows.reset();
      const p = planted();
      // The query goes through the same policy: a number sent as text has no hierarchy, so it is dropped.
      const r = await fetch(`${gateway.url}/vendor/visits?weightKg=${p.weight}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(p)) });
      expect(r.status).toBe(200);
      const answer = await r.text();
      expect(vendor.received[0]!.url).toBe('/visits');
      const got = JSON.parse(vendor.received[0]!.body);
      const zip3 = p.postalCode.slice(0, 3);
      expect(got).toEqual({
        patient: { id: p.id, birthDate: p.birthDate.slice(0, 4), postalCode: expect.stringMatching(zip3 === '000' ? /^000$/ : /^\d{3}$/) },
        device: { ip: `${p.ip.split('.').slice(0, 3).join('.')}.0/24`, position: { lat: expect.any(Number), lon: expect.any(Number) } },
        visit: { at: expect.stringMatching(/^2026-\d\d-\d\d$|^2025-12-\d\d$/), until: expect.any(String) },
        weightKg: `[${Math.floor(p.weight / 5) * 5},${Math.floor(p.weight / 5) * 5 + 5})`,
      });
      expect(['000', zip3]).toContain(got.patient.postalCode);
      // The grid cell is 1 km: the position moved by at most half a cell's diagonal.
      expect(Math.abs(got.device.position.lat - p.lat)).toBeLessThan(0.0046);
      expect(Math.abs(got.device.position.lon - p.lon)).toBeLessThan(0.0069);
      // Shifted within ±15 days, never 0, and the stay still lasts four days.
      const shift = (Date.parse(got.visit.at) - Date.parse(p.at)) / 86_400_000;
      expect(shift !== 0 && Math.abs(shift) <= 15).toBe(true);
      expect((Date.parse(got.visit.until) - Date.parse(got.visit.at)) / 86_400_000).toBe(4);

      const wire = vendor.wire() + answer + JSON.stringify(flows());
      // The visit's dates left their fields (shift ≠ 0, above); scanned for here they could match by chance,
      // as a shift of ±4 days maps one of them onto the other's day.
      for (const raw of [p.name, p.birthDate, p.postalCode, p.ip, String(p.lat), String(p.lon), p.reason, String(p.weight)]) {
        for (const e of encodings(raw)) expect(wire).not.toContain(e);
      }
      const forms = Object.fromEntries(flows()['research']!.fields.map((f) => [f.path, f.form]));
      expect(forms).toMatchObject({ 'patient.birthDate': 'generalized', 'device.position': 'generalized', 'visit.at': 'shifted', 'visit.reason': 'dropped', 'patient.name': 'generalized' });
    });

    it('gives one subject the same shift in every request', async () => {
      const p = planted();
      const before = vendor.received.length;
      for (let i = 0; i < 2; i++) {
        const r = await fetch(`${gateway.url}/vendor/visits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(p)) });
        expect(r.status).toBe(200);
        await r.text();
      }
      const [a, b] = vendor.received.slice(before).map((x) => JSON.parse(x.body).visit.at);
      expect(a).toBe(b);
    });
  });
}
