// A third outside attack, on the monitor: the honeytoken search (every decoy form, a parsed body searched value by value) and distinct subjects.
// Each attack marked FIXED got a decoy out (or a count wrong) when it was found; its comment names what leaked, how, and the cause
// then, and its test now asserts what the docs promise. Every other case was refused or counted correctly, kept as a regression.
// Real Express 5 / Express 4 / Koa 3 gateways on 127.0.0.1 behind http-proxy-middleware, a real local vendor that records every byte on its
// sockets, and guardFetch against a real local HTTPS vendor.
//
// Attacks that held (tried, nothing reached the vendor, 403 and one critical alert), one per line:
// - In a JSON body on Express 5 and Koa 3: a card decoy as a JSON number (also written `4….0e0`), a decoy as a key, JSON-escaped letter by
//   letter, 10,000 arrays deep, with combining marks / RTL override / emoji / zero-width joiners around it, an email decoy upper-cased and
//   URL-encoded inside a string, base64 and base64url at the three alignments; a form-urlencoded body; `Authorization: Basic` base64 of
//   `u:<decoy>`; the decoy URL-encoded in the query; the decoy in the second NDJSON record; a base64 decoy in the query.
// - Express 5 with an `application/vnd.acme+json` body express.json() skips (the guard reads and searches what it rewrote).
// - guardFetch: a JSON-escaped decoy in the body, a percent-escaped one in the query, a form body (URLSearchParams), a base64 header.
// - Distinct subjects: 500 hashed emails count about 500; 500 tokens about 500, the same 500 again none more.
// Read in the source, not run: minted decoys are base62, `_`, `@`, `.`, `-`, so their base64 forms never hold `+` or `/` (no
// percent-encoding of those can hide one; 2,000 minted decoys of each kind checked); the skip search cannot skip an anchor (shift ≤ L − 3 past a gram
// no anchor holds, the least shift otherwise) and always advances, so no text hangs it; subjectHash over the last six characters of
// `hmac_…` (base64url SHA-256: 34 bits) and `tok_…` (36 bits) keeps 500–10,000 subjects apart. A decoy with a letter percent-escaped in a
// protect URL *path* or a header reaches the vendor escaped as the client wrote it (no promised form, nothing decodes it on the way).
import { createServer } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, defineDestinations, defineSchema, tag, type Alert, type Destinations, type Monitor } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { createVault, memoryStore } from '../../src/vault/index.js';
import { formsOf } from '../../src/monitor/honeytokens.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { selfSigned, startHttpsVendor } from '../helpers/tls.js';
import { crm, gateway, keys, schema, testClock, type App } from '../monitor/helpers.js';

/** Every text the vendor received, decoded the ways a vendor decodes it: the wire bytes, each URL percent-decoded, each JSON body's values. */
function vendorTexts(received: readonly { url: string; body: string }[], wire: string): string[] {
  const texts = [wire];
  for (const r of received) {
    texts.push(r.body);
    try {
      texts.push(decodeURIComponent(r.url.replace(/\+/g, ' ')));
    } catch {
      texts.push(r.url);
    }
    try {
      texts.push(JSON.stringify(JSON.parse(r.body)));
    } catch {
      // Not JSON: its bytes are already in the list.
    }
    for (const [, v] of new URLSearchParams(r.url.split('?')[1] ?? '')) texts.push(v, Buffer.from(v, 'base64').toString('latin1'));
  }
  return texts;
}

/** Whether a decoy reached the vendor in any form the docs promise to search (raw, URL-encoded, base64), an email in any case. */
function reached(texts: readonly string[], decoy: string): boolean {
  const forms = formsOf(decoy);
  const lower = decoy.toLowerCase();
  return texts.some((t) => forms.some((f) => t.includes(f)) || (decoy.includes('@') && t.toLowerCase().includes(lower)));
}

/** A decoy with one letter written as a percent escape: the same text once a query is decoded. */
function escapedLetter(decoy: string): string {
  const i = decoy.search(/[a-z]/i);
  return `${encodeURIComponent(decoy.slice(0, i))}%${decoy.charCodeAt(i).toString(16)}${encodeURIComponent(decoy.slice(i + 1))}`;
}

interface Rig {
  readonly vendor: Vendor;
  readonly app: App;
  readonly monitor: Monitor;
  readonly alerts: Alert[];
  readonly decoys: { readonly email: string; readonly apiKey: string; readonly card: string };
  close(): Promise<void>;
}

/** A monitor with three decoys over a gateway (POST /crm/contacts proxied to a local vendor). */
async function rig(framework: 'Express' | 'Koa' | 'Express 4'): Promise<Rig> {
  const vendor = await startVendor();
  const destinations = crm(vendor.url);
  const alerts: Alert[] = [];
  const monitor = createMonitor({ destinations, clock: testClock().now, onAlert: (a) => void alerts.push(a), audit: () => undefined });
  const decoys = {
    email: monitor.honeytoken({ kind: 'email', domain: 'decoys.example.com', label: 'mail-decoy' }),
    apiKey: monitor.honeytoken({ kind: 'apiKey', label: 'key-decoy' }),
    card: monitor.honeytoken({ kind: 'cardNumber', label: 'card-decoy' }),
  };
  const app = framework === 'Express 4' ? await express4Gateway(destinations, vendor.url) : await gateway(framework, destinations, vendor.url);
  return {
    vendor,
    app,
    monitor,
    alerts,
    decoys,
    async close() {
      await monitor.close();
      await app.close();
      await vendor.close();
    },
  };
}

/** The gateway of test/monitor/helpers.ts on Express 4 (body-parser 1.x). */
async function express4Gateway(destinations: Destinations, vendorUrl: string): Promise<App> {
  const proxy = createProxyMiddleware({ target: vendorUrl, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } });
  const e = (express4 as unknown as typeof express5)();
  e.post('/crm/contacts', express4.json() as unknown as express5.RequestHandler, fx.protect({ schema, destinations, destination: 'crm' }), proxy);
  return listen(createServer(e));
}

interface Outcome {
  readonly status: number;
  readonly reached: boolean;
  readonly honeytokenAlerts: number;
}

/** Sends one request through a fresh rig and says what the vendor got. */
async function attack(framework: 'Express' | 'Koa' | 'Express 4', send: (url: string, d: Rig['decoys']) => Promise<Response>, which: keyof Rig['decoys']): Promise<Outcome> {
  const r = await rig(framework);
  try {
    const res = await send(`${r.app.url}/crm/contacts`, r.decoys).catch(() => undefined);
    await res?.text().catch(() => '');
    await new Promise((done) => setTimeout(done, 20));
    return { status: res?.status ?? 0, reached: reached(vendorTexts(r.vendor.received, r.vendor.wire()), r.decoys[which]), honeytokenAlerts: r.alerts.filter((a) => a.signal === 'honeytoken').length };
  } finally {
    await r.close();
  }
}

const json = (body: string, type = 'application/json'): RequestInit => ({ method: 'POST', headers: { 'content-type': type }, body });

// ---------------------------------------------------------------------------------------------
// 1. What held: the parsed body searched value by value, in every place JSON can put a decoy.
describe.each(['Express', 'Koa'] as const)('honeytokens in a JSON body on %s (held)', (framework) => {
  it('a card decoy as a JSON number, in a public field', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`{"id":${d.card},"contacts":[]}`)), 'card');
    expect(o).toMatchObject({ status: 403, reached: false, honeytokenAlerts: 1 });
  });
  it('a card decoy as a JSON number written with a fraction and an exponent (4…e0, .0)', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`{"id":${d.card}.0e0,"contacts":[]}`)), 'card');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy as a key the sender chose', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(JSON.stringify({ id: 'o1', contacts: [], [d.apiKey]: 1 }))), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy JSON-escaped letter by letter (\\u0073k_live_…)', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`{"id":"${[...d.apiKey].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}","contacts":[]}`)), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy at the bottom of arrays nested 10,000 deep', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`{"id":"o1","contacts":[],"x":${'['.repeat(10_000)}"${d.apiKey}"${']'.repeat(10_000)}}`)), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy with unicode around it (combining marks, RTL override, emoji, a zero-width joiner before it)', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(JSON.stringify({ id: `\u202e😀\u0301\u200d${d.email}\u200d😀`, contacts: [] }))), 'email');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('an email decoy in mixed case, URL-encoded with upper-case hex, inside a string', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(JSON.stringify({ id: `ref=${encodeURIComponent(d.email.toUpperCase())}`, contacts: [] }))), 'email');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy base64-encoded at each of the three alignments, and base64url', async () => {
    for (const prefix of ['', 'a', 'ab']) {
      const o = await attack(framework, (url, d) => fetch(url, json(JSON.stringify({ id: Buffer.from(`${prefix}${d.card};`).toString('base64url'), contacts: [] }))), 'card');
      expect(o).toMatchObject({ status: 403, reached: false });
    }
  });
  it('a decoy in a form-urlencoded body', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`id=${encodeURIComponent(d.email)}`, 'application/x-www-form-urlencoded')), 'email');
    expect(o.reached).toBe(false);
  });
  it('a decoy in a header (Authorization: Basic, base64 of user:decoy)', async () => {
    const o = await attack(framework, (url, d) => fetch(url, { ...json('{"id":"o1","contacts":[]}'), headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`u:${d.apiKey}`).toString('base64')}` } }), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy in the URL-encoded query, as encodeURIComponent writes it', async () => {
    const o = await attack(framework, (url, d) => fetch(`${url}?id=${encodeURIComponent(d.email)}`, json('{"id":"o1","contacts":[]}')), 'email');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
  it('a decoy in the second record of a streamed NDJSON upload', async () => {
    const o = await attack(framework, (url, d) => fetch(url, json(`{"id":"o1","contacts":[]}\n{"id":"${d.apiKey}","contacts":[]}\n`, 'application/x-ndjson')), 'apiKey');
    expect(o.reached).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The query is searched as the client wrote it (the raw URL), but what leaves is the query rewritten from its parsed,
//    percent-decoded value and written again by encodeURIComponent.
describe.each(['Express', 'Koa'] as const)('honeytokens in the query on %s', (framework) => {
  // FIXED — what leaked: `POST /crm/contacts?id=%73k_live_…` (the apiKey decoy with its first letter percent-escaped, which
  // every URL parser decodes to the decoy) answers 200 and the vendor's request line carries `?id=sk_live_…` — the raw
  // decoy — with no alert. The raw URL is searched (no form of the decoy is in it), then the query is parsed (decoded),
  // walked (`id` is public: kept) and written again by encodeURIComponent, which leaves letters as they are; the rewritten
  // query is "not searched again". Cause: src/monitor/guard.ts preflight() searches `ex.url()` only, and
  // WatchedExchange.setQuery skips the search whenever the preflight ran (`this.searched === undefined`); the premise
  // "the rewritten query is made from [the URL]" does not hold across percent-decoding.
  it('a decoy with one letter percent-escaped in the query (?id=%73k_live_…)', async () => {
    const o = await attack(framework, (url, d) => fetch(`${url}?id=${escapedLetter(d.apiKey)}`, json('{"id":"o1","contacts":[]}')), 'apiKey');
    expect(o.reached).toBe(false);
    expect(o.status).toBe(403);
  });
  // FIXED — same cause, an email decoy (`?id=%61bc…@decoys.example.com`): the vendor gets `id=abc…%40decoys.example.com`,
  // the decoy's URL-encoded form, 200, no alert.
  it('an email decoy with one letter percent-escaped in the query', async () => {
    const o = await attack(framework, (url, d) => fetch(`${url}?id=${escapedLetter(d.email)}`, json('{"id":"o1","contacts":[]}')), 'email');
    expect(o.reached).toBe(false);
    expect(o.status).toBe(403);
  });
  // Held. (A minted decoy is base62, `_`, `@`, `.` and `-`: its base64 forms never hold `+` or `/`, so a query's
  // percent-encoding of those cannot hide one; checked over 1,000 minted keys.)
  it('a decoy base64-encoded in the query (held)', async () => {
    const o = await attack(framework, (url, d) => fetch(`${url}?id=${encodeURIComponent(Buffer.from(`k=${d.apiKey}`).toString('base64'))}`, json('{"id":"o1","contacts":[]}')), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. A body parser that skipped the type leaves `{}` on the request and the body on the wire.
describe('honeytokens in a body a parser skipped', () => {
  // FIXED — what leaked: a JSON body typed `application/vnd.acme+json` (a JSON type for fieldguard, not one of
  // @koa/bodyparser's listed JSON types) with the decoy in a public field reaches the vendor, 200, no alert. The parser
  // skips it and leaves `ctx.request.body = {}` with the body still on the wire; preflight() searches that `{}` and marks
  // the body searched (`body: true`); the guard then reads the real body from the wire, rewrites it, and setBody() skips the
  // search because the body was "searched". Cause: src/monitor/guard.ts preflight() (any parsed object counts as the body)
  // against src/middleware/request.ts rewriteRequest(), which reads the wire whenever `!req.readableEnded` ("body-parser 1.x
  // and @koa/bodyparser leave `{}` for a type they skip").
  it('Koa 3 + @koa/bodyparser: an application/vnd.acme+json body', async () => {
    const o = await attack('Koa', (url, d) => fetch(url, json(JSON.stringify({ id: d.apiKey, contacts: [] }), 'application/vnd.acme+json')), 'apiKey');
    expect(o.reached).toBe(false);
    expect(o.status).toBe(403);
  });
  // FIXED — same cause on Express 4: body-parser 1.x sets `req.body = {}` before it checks the type and skips the body.
  it('Express 4 + express.json(): an application/vnd.acme+json body', async () => {
    const o = await attack('Express 4', (url, d) => fetch(url, json(JSON.stringify({ id: d.apiKey, contacts: [] }), 'application/vnd.acme+json')), 'apiKey');
    expect(o.reached).toBe(false);
    expect(o.status).toBe(403);
  });
  it('Express 5 + express.json(): an application/vnd.acme+json body (held: the parser leaves no body, the guard searches what it rewrote)', async () => {
    const o = await attack('Express', (url, d) => fetch(url, json(JSON.stringify({ id: d.apiKey, contacts: [] }), 'application/vnd.acme+json')), 'apiKey');
    expect(o).toMatchObject({ status: 403, reached: false });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. guardFetch against a real local HTTPS vendor: "guardFetch [searches] the headers, query and body it is about to send".
describe('honeytokens through guardFetch', () => {
  const tls = selfSigned();
  let vendor: Awaited<ReturnType<typeof startHttpsVendor>>;
  beforeAll(async () => {
    vendor = await startHttpsVendor(tls);
  });
  afterAll(async () => vendor.close());

  async function call(make: (url: string, d: { apiKey: string; card: string; email: string }) => [string, RequestInit?]): Promise<{ error: unknown; reached: boolean; alerts: number }> {
    const destinations = crm(vendor.url);
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations, clock: testClock().now, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const d = { apiKey: monitor.honeytoken({ kind: 'apiKey' }), card: monitor.honeytoken({ kind: 'cardNumber' }), email: monitor.honeytoken({ kind: 'email', domain: 'decoys.example.com' }) };
    const f = guardFetch({ destinations, schemaFor: () => schema, ca: tls.cert });
    const before = vendor.received.length;
    let error: unknown;
    try {
      const r = await f(...make(vendor.url, d));
      await r.text();
    } catch (e) {
      error = e;
    }
    await monitor.close();
    const got = vendor.received.slice(before);
    const texts = vendorTexts(got, got.map((r) => `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n'));
    return { error, reached: [d.apiKey, d.card, d.email].some((x) => reached(texts, x)), alerts: alerts.filter((a) => a.signal === 'honeytoken').length };
  }

  it('a decoy JSON-escaped in the body, and one percent-escaped in the query: both refused (held: what is searched is what is sent)', async () => {
    const escaped = await call((url, d) => [`${url}/v1/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"id":"${[...d.apiKey].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}","contacts":[]}` }]);
    expect(escaped).toMatchObject({ error: expect.objectContaining({ code: 'ERR_HONEYTOKEN_DETECTED' }), reached: false, alerts: 1 });
    const query = await call((url, d) => [`${url}/v1/contacts?id=${escapedLetter(d.email)}`]);
    expect(query).toMatchObject({ error: expect.objectContaining({ code: 'ERR_HONEYTOKEN_DETECTED' }), reached: false });
  });
  it('a decoy in a form body (URLSearchParams) and in a header, base64: refused (held)', async () => {
    const form = await call((url, d) => [`${url}/v1/contacts`, { method: 'POST', body: new URLSearchParams({ id: d.card }) }]);
    expect(form).toMatchObject({ error: expect.objectContaining({ code: 'ERR_HONEYTOKEN_DETECTED' }), reached: false });
    const header = await call((url, d) => [`${url}/v1/contacts`, { headers: { 'x-ref': Buffer.from(`ref:${d.apiKey}`).toString('base64') } }]);
    expect(header).toMatchObject({ error: expect.objectContaining({ code: 'ERR_HONEYTOKEN_DETECTED' }), reached: false });
  });
  // FIXED — what leaked: a decoy (here a card decoy, base64url-encoded) in the URL *path* of a guardFetch call reaches the
  // vendor, 200, no alert. The docs' signal table promises "a decoy in an outbound body, query, URL or header" (and protect
  // does search its URL), but guardFetch's search is headers, query and body only; the path check (ERR_SENSITIVE_URL)
  // finds a card or a key written plainly, not its base64. Cause: src/monitor/fetch.ts beforeSend() searches
  // `sent.url.search`, never `sent.url.pathname`. (The guardFetch sentence of docs/monitor.md does list only "headers,
  // query and body", so this is the table's promise against that sentence.)
  it('a decoy base64url-encoded in the URL path of a guardFetch call is refused', async () => {
    const o = await call((url, d) => [`${url}/v1/contacts/${Buffer.from(d.card).toString('base64url')}`]);
    expect(o.reached).toBe(false);
    expect(o.error).toMatchObject({ code: 'ERR_HONEYTOKEN_DETECTED' });
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Throwing into a request: past 100,000 values the body is searched as JSON.stringify writes it, and
//    JSON.stringify overflows the stack on a value nested some thousands deep (which JSON.parse reads).
describe('the search over a large, deep body', () => {
  /** 100,001 empty objects, then arrays nested 20,000 deep: about 340 KB, under @koa/bodyparser's 1 MB. */
  const body = `[${'{},'.repeat(100_001)}${'['.repeat(20_000)}${']'.repeat(20_000)}]`;
  async function answer(decoys: boolean): Promise<{ status: number; text: string; forwarded: number }> {
    const vendor = await startVendor();
    const destinations = crm(vendor.url);
    const monitor = createMonitor({ destinations, clock: testClock().now, audit: () => undefined });
    if (decoys) monitor.honeytoken({ kind: 'apiKey' });
    const app = await gateway('Koa', destinations, vendor.url);
    try {
      const r = await fetch(`${app.url}/crm/contacts`, json(body));
      return { status: r.status, text: await r.text(), forwarded: vendor.received.length };
    } finally {
      await monitor.close();
      await app.close();
      await vendor.close();
    }
  }
  // FIXED (failed closed) — what happened: with a decoy planted, this body makes the monitor throw a RangeError (Maximum call
  // stack size exceeded) out of the guard into Koa: the client gets Koa's bare 500 "Internal Server Error" instead of the
  // 4xx fieldguard error the same body gets without decoys (the plan's depth / size limits). Nothing is forwarded and the
  // process lives, but "a request carrying a honeytoken is refused with 403" becomes a throw the app's error handler sees,
  // and the Watch interface ("every method is cheap and never throws") breaks. Cause: src/monitor/honeytokens.ts findIn(),
  // `++nodes > MAX_SEARCHED_NODES` → `JSON.stringify(v)` of whatever subtree is left, unguarded; src/monitor/guard.ts
  // preflight() does not catch it. Not a leak.
  it('a body past 100,000 values with a deep tail is answered as it is without decoys', async () => {
    const without = await answer(false);
    const withDecoys = await answer(true);
    expect(without.forwarded).toBe(0);
    expect(withDecoys.forwarded).toBe(0);
    expect(withDecoys.status).toBe(without.status);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Distinct subjects (`extraction`): "the tokens and hashes the walk wrote", now taken from the walk and hashed by their
//    last six characters. Counted from monitor.snapshot() after one request of 500 distinct customers.
describe('distinct subjects through protect (Express 5)', () => {
  const ledger = defineSchema(
    z.object({
      id: tag(z.string(), 'public'),
      contacts: z.array(z.object({ email: tag(z.string(), 'personal', { kind: 'email' }) })).optional(),
      // A map keyed by customer: the keys are personal (propertyNames), so where personal data is hashed they leave as keyed pseudonyms.
      scores: z.record(tag(z.string(), 'personal', { kind: 'email' }), tag(z.number(), 'internal')).optional(),
    }),
  );
  const emails = Array.from({ length: 500 }, (_, i) => `customer.${i}.q7@example.com`);

  async function subjectsAfter(action: 'hash' | 'tokenize', bodies: readonly unknown[], type = 'application/json'): Promise<{ subjects: number; fields: number; sent: string }> {
    const vendor = await startVendor();
    const vault = action === 'tokenize' ? createVault({ store: memoryStore(), keys, audit: () => undefined }) : undefined;
    const destinations = defineDestinations(
      { crm: { vendor: 'CRM Inc', baseUrl: vendor.url, region: 'DE', lawfulBasis: 'contract', purpose: 'customer records', rules: { public: 'keep', internal: 'keep', personal: action } } },
      vault === undefined ? { keys } : { keys, vault },
    );
    const clock = testClock();
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, audit: () => undefined });
    const proxy = createProxyMiddleware({ target: vendor.url, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } });
    const e = express5();
    e.post('/crm/ledger', express5.json({ limit: '1mb' }), fx.protect({ schema: ledger, destinations, destination: 'crm' }), proxy);
    const app = await listen(createServer(e));
    try {
      for (const b of bodies) expect((await fetch(`${app.url}/crm/ledger`, json(typeof b === 'string' ? b : JSON.stringify(b), type))).status).toBe(200);
      await new Promise((done) => setTimeout(done, 20));
      clock.advance(1000);
      const snap = await monitor.snapshot();
      const windows = snap.destinations['crm'] ?? [];
      return { subjects: windows.reduce((n, w) => n + w.subjects, 0), fields: windows.reduce((n, w) => n + (w.counts['fields'] ?? 0), 0), sent: vendor.received.map((r) => r.body).join('\n') };
    } finally {
      await monitor.close();
      await app.close();
      await vendor.close();
    }
  }

  it('500 distinct customers as hashed values count as about 500 subjects (held)', async () => {
    const o = await subjectsAfter('hash', [{ id: 'l1', contacts: emails.map((email) => ({ email })) }]);
    expect(o.subjects).toBeGreaterThan(475);
    expect(o.subjects).toBeLessThan(525);
    expect(o.sent).not.toContain('customer.1.q7');
  });
  it('500 distinct customers as tokens count as about 500 subjects, and the same 500 again add none (held)', async () => {
    const body = { id: 'l1', contacts: emails.map((email) => ({ email })) };
    const o = await subjectsAfter('tokenize', [body, body]);
    expect(o.subjects).toBeGreaterThan(475);
    expect(o.subjects).toBeLessThan(525);
    expect(o.sent).toContain('tok_');
  });
  // FIXED — what was wrong: 500 distinct customers sent as the keys of a map (`scores: { "<email>": 3, … }`, keys tagged
  // personal) leave as 500 distinct keyed hashes (`hmac_k1_…`, one per customer), yet the window counts 0 subjects (and
  // 0 sensitive `fields`): an exfiltration through customer-keyed maps is invisible to the `extraction` signal. The docs
  // count "the tokens and hashes the walk wrote (distinct subjects)". Cause: src/plan/walk.ts outKey() writes the key's
  // hmacPseudonym without subject(w, …) (only act()'s 'hash' case and the vault batch record subjects). Not new with this
  // change: the walk over report paths it replaced read values only.
  it('500 distinct customers as hashed map keys count as about 500 subjects', async () => {
    const o = await subjectsAfter('hash', [{ id: 'l1', scores: Object.fromEntries(emails.map((m, i) => [m, i])) }]);
    expect(o.sent).toContain('hmac_k1_');
    expect(o.sent).not.toContain('customer.1.q7');
    expect(o.subjects).toBeGreaterThan(475);
  });
  // FIXED — what was wrong: 500 distinct customers streamed as 500 NDJSON records (each email hashed, 500 distinct
  // `hmac_k1_…` at the vendor) count as 1 subject in the window: an exfiltration by streamed upload is invisible to
  // `extraction`. Cause: src/monitor/guard.ts WatchedExchange.next() counts `this.#report` once, when the chain is handed
  // on; a streamed body's records are walked afterwards, as the forwarder reads them, and each record's report
  // (src/middleware/stream-request.ts onRecord → ex.report) only replaces `#report`, which nothing counts again. Not new with
  // this change (the spread exchange it replaced counted at next() too).
  it('500 distinct customers in an NDJSON upload (one record each) count as about 500 subjects', async () => {
    const o = await subjectsAfter('hash', [emails.map((email, i) => JSON.stringify({ id: `l${i}`, contacts: [{ email }] })).join('\n') + '\n'], 'application/x-ndjson');
    expect(o.sent).toContain('hmac_k1_');
    expect(o.sent).not.toContain('customer.1.q7');
    expect(o.subjects).toBeGreaterThan(475);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Streamed uploads: "each record is searched as it arrives, before it is rewritten" — as the client wrote it, while what
//    leaves is the record parsed and written again by JSON.stringify.
describe.each(['Express', 'Koa'] as const)('honeytokens in a streamed NDJSON upload on %s', (framework) => {
  const ndjson = (line: string): RequestInit => json(`{"id":"o1","contacts":[]}\n${line}\n`, 'application/x-ndjson');
  // FIXED — what leaked: an NDJSON record `{"id":"\u0073\u006b_live_…","contacts":[]}` (the decoy JSON-escaped, which
  // every JSON parser reads as the decoy) reaches the vendor as the raw decoy, 200, no alert: the record is searched as
  // sent, then parsed and rewritten, and the rewritten record carries the decoy in clear. Cause: src/monitor/guard.ts
  // WatchedExchange.checkRecord searches the record's text before the plan (src/middleware/stream-request.ts `check`),
  // and nothing searches the rewritten record. (A whole JSON body is searched parsed, and holds: section 1.)
  it('a JSON-escaped decoy in a record is refused, never forwarded', async () => {
    const o = await attack(framework, (url, d) => fetch(url, ndjson(`{"id":"${[...d.apiKey].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}","contacts":[]}`)), 'apiKey');
    expect(o.reached).toBe(false);
    expect(o.honeytokenAlerts).toBe(1);
  });
  // FIXED — same cause: a card decoy as a JSON number in exponent form (`4.123…e15`) holds no run of its digits as sent;
  // parsed and rewritten, the record carries `4123…` — the decoy — to the vendor, 200, no alert.
  it('a card decoy written as a JSON number in exponent form in a record is refused, never forwarded', async () => {
    const o = await attack(framework, (url, d) => fetch(url, ndjson(`{"id":${d.card[0]}.${d.card.slice(1)}e15,"contacts":[]}`)), 'card');
    expect(o.reached).toBe(false);
    expect(o.honeytokenAlerts).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Observations, not promised by the docs (kept so a change in them is seen).
describe('observations', () => {
  // Not promised: the search is per key, string and number, so a decoy cut in two public fields (`id` and `contacts[0].plan`)
  // is forwarded, 200, no alert — a vendor that joins the two has it. Noted, not a hole.
  it('a decoy split across two fields is forwarded (not promised)', async () => {
    const o = await attack('Express', (url, d) => fetch(url, json(JSON.stringify({ id: d.apiKey.slice(0, 20), contacts: [{ email: 'a@example.com', plan: d.apiKey.slice(20) }] }))), 'apiKey');
    expect(o).toMatchObject({ status: 200, honeytokenAlerts: 0 });
  });
});
