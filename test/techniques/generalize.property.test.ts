// For random schemas and values, what a real vendor receives through protect under `personal: 'generalize'` is exactly generalizeValue's answer, or nothing — never the raw value.
import { createServer } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDestinations, defineSchema, type Kind } from '../../src/index.js';
import { protect } from '../../src/express/index.js';
import { destinationPlan } from '../../src/middleware/protect.js';
import { decisionAt } from '../../src/plan/api.js';
import { DEFAULT_GENERALIZE, generalizeValue } from '../../src/techniques/generalize.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';

const KINDS: ReadonlyArray<Kind | undefined> = [undefined, 'birthDate', 'postalCode', 'geo', 'ipAddress', 'freeText', 'email', 'name'];
const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const valueArb = fc.oneof(
  fc.record({ y: fc.integer({ min: 1900, max: 2030 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) }).map(({ y, m, d }) => `${y}-${pad(m, 2)}-${pad(d, 2)}`),
  fc.integer({ min: 0, max: 99_999 }).map((n) => pad(n, 5)),
  fc.ipV4(),
  fc.ipV6(),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer(),
  fc.string(),
  fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.record({ nested: fc.string() }),
);
const leafArb = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), kind: fc.constantFrom(...KINDS), value: valueArb });

let vendor: Vendor;
let gateway: { url: string; close: () => Promise<void> };
let current: express.RequestHandler = (_req, res) => void res.sendStatus(500);

beforeAll(async () => {
  vendor = await startVendor();
  const { createProxyMiddleware, fixRequestBody } = await import('http-proxy-middleware');
  const app = express();
  app.post('/x', express.json(), (req, res, next) => current(req, res, next), createProxyMiddleware({ target: vendor.url, on: { proxyReq: fixRequestBody } }));
  gateway = await listen(createServer(app));
});
afterAll(async () => {
  await gateway.close();
  await vendor.close();
});

describe('generalize through protect (property)', () => {
  it('sends generalizeValue(kind, value) or nothing, and never the raw value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(leafArb, { selector: (l) => l.name, minLength: 1, maxLength: 5 }), async (leaves) => {
        const properties = Object.fromEntries(leaves.map((l) => [l.name, { type: 'string', 'x-sensitivity': 'personal', ...(l.kind ? { 'x-kind': l.kind } : {}) }]));
        const schema = defineSchema({ type: 'object', properties });
        const destinations = defineDestinations({ v: { vendor: 'V', region: 'US', lawfulBasis: 'contract', purpose: 'p', rules: { personal: 'generalize' } } });
        const plan = destinationPlan(destinations, 'v', schema);
        const payload = Object.fromEntries(leaves.map((l) => [l.name, l.value]));
        current = protect({ schema, destinations, destination: 'v' });
        const before = vendor.received.length;
        const res = await fetch(`${gateway.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        expect(res.status).toBe(200);
        expect(vendor.received.length).toBe(before + 1);
        const body = vendor.received.at(-1)!.body;
        const got = JSON.parse(body) as Record<string, unknown>;
        for (const l of leaves) {
          expect(decisionAt(plan, l.name).action).toBe('generalize');
          const expected = generalizeValue(l.kind, l.value, DEFAULT_GENERALIZE);
          if (expected === undefined) expect(got, l.name).not.toHaveProperty(l.name);
          else expect(got[l.name], l.name).toEqual(JSON.parse(JSON.stringify(expected)));
          // A whole string never survives (a number can legitimately equal its bucket's lower bound).
          const raw = JSON.stringify(l.value);
          if (typeof l.value !== 'number' && raw.length >= 8) expect(body).not.toContain(raw);
        }
      }),
      { numRuns: 80 },
    );
  });
});
