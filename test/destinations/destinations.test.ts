// Three declared destinations enforced by protect (Express and Koa) and guardFetch, against real local vendors.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import c2k from 'koa-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, defineDestinations, FieldguardError, flows, type Destinations } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { leaks, orderSchema, sampleOrder } from '../fixtures/order.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { selfSigned, startHttpsVendor } from '../helpers/tls.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 5).toString('base64') } });
const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
const TOKEN = /^tok_[A-Za-z0-9]{22}$/;
const HASH = /^hmac_k1_[A-Za-z0-9_-]{43}$/;

function declare(urls: { analytics: string; shipping: string; support: string }): Destinations {
  return defineDestinations(
    {
      analytics: {
        vendor: 'Acme Analytics',
        baseUrl: urls.analytics,
        region: 'US',
        transfer: 'scc',
        lawfulBasis: 'legitimate_interests',
        purpose: 'product analytics',
        certifications: ['SOC2'],
        rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash' },
      },
      shipping: {
        vendor: 'ParcelCo',
        baseUrl: urls.shipping,
        region: 'DE',
        lawfulBasis: 'contract',
        purpose: 'delivery',
        rules: { public: 'keep', internal: 'keep' },
        kinds: { name: 'keep', address: 'keep' },
      },
      support: {
        vendor: 'HelpDesk Inc',
        baseUrl: urls.support,
        region: 'IE',
        lawfulBasis: 'contract',
        purpose: 'customer support',
        rules: { public: 'keep', internal: 'keep', personal: 'mask' },
      },
    },
    { vault },
  );
}

const hashOf = (value: string, namespace: string) =>
  (compilePlan({ schema: orderSchema, keys, namespace, rules: [{ select: { paths: ['diagnosis'] }, action: 'hash' }] })({ diagnosis: value }).value as { diagnosis: string }).diagnosis;

function checkAnalytics(body: string): void {
  const got = JSON.parse(body);
  expect(got).toEqual({
    id: 'ord_1001',
    status: 'paid',
    total: 42.5,
    customer: { id: 'cus_77', email: expect.stringMatching(TOKEN), name: expect.stringMatching(TOKEN), phone: expect.stringMatching(TOKEN), ssn: hashOf('123-45-6789', 'analytics') },
    payment: { iban: expect.stringMatching(TOKEN) },
    items: [
      { sku: 'SKU-1', qty: 2, note: expect.stringMatching(TOKEN) },
      { sku: 'SKU-2', qty: 1 },
    ],
    diagnosis: hashOf('type 2 diabetes', 'analytics'),
    shipTo: { street: expect.stringMatching(TOKEN), city: expect.stringMatching(TOKEN), postalCode: expect.stringMatching(TOKEN) },
    ip: expect.stringMatching(TOKEN),
  });
  expect(got.diagnosis).toMatch(HASH);
  expect(leaks(body)).toEqual([]);
}

const SHIPPING = {
  id: 'ord_1001',
  status: 'paid',
  total: 42.5,
  customer: { id: 'cus_77', name: 'Jane Doe' },
  payment: {},
  items: [
    { sku: 'SKU-1', qty: 2 },
    { sku: 'SKU-2', qty: 1 },
  ],
  shipTo: { street: '1 Main Street', city: 'Springfield', postalCode: '94110' },
};

const SUPPORT = {
  id: 'ord_1001',
  status: 'paid',
  total: 42.5,
  customer: { id: 'cus_77', email: 'j***@example.com', name: '[REDACTED]', phone: '+* ***-***-**32' },
  payment: { iban: 'DE****************3000' },
  items: [
    { sku: 'SKU-1', qty: 2, note: '[REDACTED]' },
    { sku: 'SKU-2', qty: 1 },
  ],
  shipTo: { street: '[REDACTED]', city: '[REDACTED]', postalCode: '[REDACTED]' },
  ip: '203.0.113.0',
};

describe.each(['Express', 'Koa'])('protect on %s', (framework) => {
  const vendors: Record<string, Vendor> = {};
  let app: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    for (const name of ['analytics', 'shipping', 'support']) vendors[name] = await startVendor();
    const destinations = declare({ analytics: vendors['analytics']!.url, shipping: vendors['shipping']!.url, support: vendors['support']!.url });
    flows.reset();
    if (framework === 'Express') {
      const e = express();
      for (const name of ['analytics', 'shipping', 'support']) {
        e.post(`/${name}/orders`, express.json(), fx.protect({ schema: orderSchema, destinations, destination: name }),
          createProxyMiddleware({ target: vendors[name]!.url, pathRewrite: { [`^/${name}`]: '' }, on: { proxyReq: fixRequestBody } }));
      }
      app = await listen(createServer(e));
    } else {
      const k = new Koa();
      k.use(fk.errorHandler());
      const chains = Object.fromEntries(
        ['analytics', 'shipping', 'support'].map((name) => {
          const proxy = c2k(createProxyMiddleware({ target: vendors[name]!.url, pathRewrite: { [`^/${name}`]: '' }, on: { proxyReq: fixRequestBody } }));
          const guard = fk.protect({ schema: orderSchema, destinations, destination: name });
          return [`/${name}/orders`, (ctx: Koa.Context, next: Koa.Next) => bodyParser()(ctx, () => guard(ctx, async () => { ctx.respond = false; await proxy(ctx, next); }))];
        }),
      );
      k.use((ctx, next) => chains[ctx.path]?.(ctx, next) ?? next());
      app = await listen(createServer(k.callback()));
    }
  });
  afterAll(async () => {
    await app.close();
    for (const v of Object.values(vendors)) await v.close();
  });

  it('gives each vendor exactly what its policy allows', async () => {
    for (const name of ['analytics', 'shipping', 'support']) {
      const res = await fetch(`${app.url}/${name}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...sampleOrder(), coupon: 'JANE-VIP' }) });
      expect(res.status).toBe(200);
      await res.text();
    }
    checkAnalytics(vendors['analytics']!.received[0]!.body);
    expect(JSON.parse(vendors['shipping']!.received[0]!.body)).toEqual(SHIPPING);
    expect(JSON.parse(vendors['support']!.received[0]!.body)).toEqual(SUPPORT);
    for (const v of Object.values(vendors)) expect(v.received[0]!.body).not.toContain('JANE-VIP');
  });

  it('tokenizes the same value to the same token on every request, in one vault batch', async () => {
    await fetch(`${app.url}/analytics/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleOrder()) }).then((r) => r.text());
    const [a, b] = vendors['analytics']!.received.map((r) => JSON.parse(r.body));
    expect(a.customer.email).toBe(b.customer.email);
  });

  it('feeds the runtime inventory with paths, kinds and forms — never values', () => {
    const snapshot = flows();
    expect(Object.keys(snapshot).sort()).toEqual(['analytics', 'shipping', 'support']);
    expect(snapshot['analytics']!.payloads).toBe(2);
    expect(snapshot['analytics']!.fields).toContainEqual({ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'token', count: 2 });
    // A kept object is walked field by field (a scalar field may not carry a subtree), so each field is counted.
    expect(snapshot['shipping']!.fields).toContainEqual({ path: 'shipTo.street', kind: 'address', sensitivity: 'personal', form: 'clear', count: 1 });
    expect(snapshot['support']!.fields).toContainEqual({ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'masked', count: 1 });
    // A key the sender chose is never named: it is counted as its parent's path plus `*`.
    expect(snapshot['support']!.fields).toContainEqual({ path: '*', sensitivity: 'untagged', form: 'dropped', count: 1 });
    expect(JSON.stringify(snapshot)).not.toContain('coupon');
    expect(leaks(JSON.stringify(snapshot))).toEqual([]);
  });
});

describe('guardFetch', () => {
  const tls = selfSigned();
  let https: Awaited<ReturnType<typeof startHttpsVendor>>;
  let old: Awaited<ReturnType<typeof startHttpsVendor>>;
  let destinations: Destinations;
  beforeAll(async () => {
    https = await startHttpsVendor(tls);
    old = await startHttpsVendor({ ...tls, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    destinations = defineDestinations(
      {
        support: { vendor: 'HelpDesk Inc', baseUrl: `${https.url}/v1`, region: 'IE', lawfulBasis: 'contract', purpose: 'support', rules: { public: 'keep', internal: 'keep', personal: 'mask' } },
        analytics: { vendor: 'Acme', baseUrl: `${https.url}/events`, region: 'US', transfer: 'scc', lawfulBasis: 'legitimate_interests', purpose: 'analytics', rules: { public: 'keep', personal: 'tokenize' } },
        legacy: { vendor: 'Old Corp', baseUrl: old.url, region: 'DE', lawfulBasis: 'contract', purpose: 'legacy', rules: { public: 'keep' } },
        plain: { vendor: 'Plain', baseUrl: 'http://127.0.0.1:9', region: 'DE', lawfulBasis: 'contract', purpose: 'none', rules: { public: 'keep' } },
      },
      { vault },
    );
  });
  afterAll(async () => {
    await https.close();
    await old.close();
  });

  it('applies the destination policy before sending over TLS', async () => {
    const f = guardFetch({ destinations, schemaFor: () => orderSchema, ca: tls.cert });
    const res = await f(`${https.url}/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleOrder()) });
    expect(res.status).toBe(200);
    const sent = https.received.at(-1)!;
    expect(sent.url).toBe('/v1/tickets');
    expect(JSON.parse(sent.body)).toEqual(SUPPORT);
    expect(Number(sent.headers['content-length'])).toBe(Buffer.byteLength(sent.body));
    expect(leaks(sent.body)).toEqual([]);
  });

  it('drops every field when there is no schema for the request', async () => {
    const f = guardFetch({ destinations, schemaFor: () => undefined, ca: tls.cert });
    await f(`${https.url}/v1/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleOrder()) }).then((r) => r.text());
    expect(https.received.at(-1)!.body).toBe('{}');
  });

  it('detokenizes the answer for an authorized caller only', async () => {
    const events: string[] = [];
    const audited = createVault({ store: memoryStore(), keys, audit: (e) => void events.push(`${e.actor}:${e.outcome}`) });
    const reg = defineDestinations({ analytics: { vendor: 'Acme', baseUrl: `${https.url}/events`, region: 'US', transfer: 'scc', lawfulBasis: 'consent', purpose: 'analytics', rules: { public: 'keep', personal: 'tokenize' } } }, { vault: audited });
    const body = JSON.stringify({ customer: { email: 'jane.doe@example.com' } });
    const allowed = guardFetch({ destinations: reg, schemaFor: () => orderSchema, ca: tls.cert, detokenize: { authorize: () => true, actor: 'svc-reports', purpose: 'report' } });
    const answer = await (await allowed(`${https.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
    expect(JSON.parse(https.received.at(-1)!.body).customer.email).toMatch(TOKEN);
    expect(answer).toEqual({ customer: { email: 'jane.doe@example.com' } });
    expect(events).toEqual(['svc-reports:resolved']);
    const refused = guardFetch({ destinations: reg, schemaFor: () => orderSchema, ca: tls.cert, detokenize: { authorize: () => false, actor: 'x', purpose: 'report' } });
    const tokens = await (await refused(`${https.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
    expect(tokens.customer.email).toMatch(TOKEN);
  });

  it('refuses plain http, unknown destinations, old TLS and bodies it cannot inspect, before sending a byte', async () => {
    const f = guardFetch({ destinations, schemaFor: () => orderSchema, ca: tls.cert });
    const count = https.received.length + old.received.length;
    const body = JSON.stringify(sampleOrder());
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    await expect(f('http://127.0.0.1:9/x', post)).rejects.toMatchObject({ code: 'ERR_INSECURE_TRANSPORT' });
    await expect(f('https://elsewhere.example/x', post)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_DESTINATION' });
    await expect(f(`${https.url}/other`, post)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_DESTINATION' });
    await expect(f(`${old.url}/x`, post)).rejects.toThrow();
    await expect(f(`${https.url}/v1/x`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'jane.doe@example.com' })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_CONTENT_TYPE' });
    expect(https.received.length + old.received.length).toBe(count);
    const e = await f('http://127.0.0.1:9/x', post).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FieldguardError);
    expect(leaks(String((e as Error).message))).toEqual([]);
  });
});

describe('defineDestinations', () => {
  it('names the destination and key of a typo, and refuses a policy it cannot carry out', () => {
    const base = { vendor: 'V', region: 'DE', lawfulBasis: 'contract', purpose: 'p' } as const;
    expect(() => defineDestinations({ crm: { ...base, rules: { personal: 'tokenise' as 'tokenize' } } })).toThrow(/crm\.rules\.personal/);
    expect(() => defineDestinations({ crm: { ...base, rules: { persnal: 'drop' } as never } })).toThrow(/unknown option `crm\.rules\.persnal`\. Did you mean `personal`\?/);
    expect(() => defineDestinations({ crm: { ...base, region: 'Germany', rules: {} } })).toThrow(/crm\.region/);
    expect(() => defineDestinations({ crm: { ...base, rules: { personal: 'tokenize' } } })).toThrow(/crm tokenizes, so pass a vault/);
    expect(() => defineDestinations({ crm: { ...base, rules: { personal: 'hash' } } })).toThrow(/crm hashes or encrypts, so pass keys/);
    // A declared registry's names are known to the type too; the start-up check is for code the type does not see.
    // @ts-expect-error 'nope' is no destination of this registry
    expect(() => fx.protect({ schema: orderSchema, destinations: defineDestinations({ crm: { ...base, rules: {} } }), destination: 'nope' })).toThrow(/no destination named "nope"/);
  });
});
