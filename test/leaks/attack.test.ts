// An outside leak hunt against fieldguard's promises: every test below is an attack that succeeded on the
// day it was written (28 leaks and fail-opens), and asserts what should happen — nothing leaks, nothing fails
// open. All are fixed; they stay as regressions.
// Real Express 5 / Express 4 / Koa 3 / Koa 2 servers on 127.0.0.1, http-proxy-middleware with fixRequestBody to a
// local vendor that records every byte on its sockets, real pino and winston files, real SQLite files and Redis.
//
// Attacks that held (tried, nothing leaked, nothing failed open), one per line:
// - contextLog(ctx) over winston with custom levels ({ audit }): the wrapper's log() redacts what the level method calls.
// - requestLog(req).setBindings({ email }) over plain pino: the bindings are lost, never written.
// - URL `?#email`, `?&#email=`, `#email` in the path, a `%3F`-encoded `?`, `;email=` matrix params, absolute-form targets with a query (raw sockets, Express 5 and Koa 3): nothing reaches the vendor.
// - Duplicate JSON keys, `__proto__` and `constructor.prototype` keys holding canaries, in JSON (parsed and unparsed) and forms, on all four frameworks: dropped (@koa/bodyparser refuses `__proto__` itself, 400).
// - Query strings with `customer[email]`, `customer.email`, `id[]=`, `__proto__[x]`, nesting past qs's depth 5, malformed `%ZZ`, and the SSN after 1,000 parameters: nothing reaches the vendor.
// - A JSON body nested 5,000 deep (400) and a 5 MB gzip bomb (413), without a parser: nothing forwarded.
// - text/plain, multipart/form-data and `Content-Encoding: compress` bodies on a scrubbed route: 415, nothing forwarded.
// - UTF-16BE JSON without a parser, JSON sent as a form, an empty Content-Type: scrubbed or refused, nothing of the canaries forwarded.
// - tokenizeFields then scrubPII on one route: the vendor gets the scrubbed body only.
// - scrubPII mounted before express.json() on Express 4: answered, nothing forwarded.
// - Express 5 and 4 routers and sub-apps with scrubPII and a proxy below a mount path: body and query scrubbed.
// - maskFields answers on all four frameworks: res.json, untyped strings with a BOM and whitespace first, declared UTF-16LE JSON, pre-gzipped JSON, streamed JSON (pipe and Koa streams).
// - maskFields answers: untagged keys holding an email, a card as a JSON number, an answer over `limit` (500), declared JSON that is invalid (500), HEAD of a res.json route.
// - maskFields answers: res.jsonp, res.send(string) in a mounted sub-app, Koa 3 web Response and Blob bodies.
// - maskFields({ errors: 'next' }) on Express 5 and 4 with an answer deeper than maxDepth: the app's error handler answers 500, nothing of the answer.
// - detokenizeFields whose authorize returns the truthy string 'true': 403, nothing resolved.
// - redactLogs({ bodies: true }) with a twice-encoded email in the query, authorization / x-api-key / cookie / x-customer-email headers, and both bodies: redacted in the pino file.
// - pino(pinoOptions(schema)) with customLevels, mixin, base, child bindings, child msgPrefix, %s and %d arguments: redacted.
// - winston with redactFormat first: splat (%s %d %o), child metadata, defaultMeta, logger.error('…', err), logger.log({ … }): redacted.
// - flows(), onReport, res.locals.fieldguard and the 422 of untagged: 'reject' after payloads whose keys are canaries: paths and kinds only.
// - The vault after tokenizeFields of every canary kind (cardLast4 and digits formats) and a refused detokenizeFields: SQLite main/WAL/shm bytes, every Redis key and value under a fresh prefix, every audit event: no canary.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import etag from 'etag';
import express5 from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import pino from 'pino';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineDestinations, defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { createGateway, createVendor } from '../../examples/express-gateway/app.js';
import { createService } from '../../examples/multi-vendor/service.js';
import { startRecorder, tls } from '../fetch/servers.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';
import { ALL_STACKS, channels, errorText, handed, mark, post, send, STACKS, type Route, type Stack } from './gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'fieldguard-attack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pino logger writing to a real file, synchronously. */
function pinoFile(options: object = {}) {
  const file = join(dir, `${randomUUID()}.log`);
  const logger = pino({ base: null, timestamp: false, ...options }, pino.destination({ dest: file, sync: true }));
  return { logger, text: () => readFileSync(file, 'utf8') };
}

/** Fails with every leak named: which canary, in which channel, in which form. */
function expectNoLeaks(found: Parameters<typeof findLeaks>[0], c: Canaries): void {
  const leaks = findLeaks(found, c);
  expect(leaks, `leaked: ${leaks.map((l) => `${l.canary} in ${l.channel} (${l.form})`).join('; ')}`).toEqual([]);
}

/** A CVV that, written after the card, does not make the 19 digits Luhn-valid (so the result does not depend on the draw). */
function cvvFor(card: string): string {
  for (let n = 100; ; n++) {
    const digits = `${card.replace(/\D/g, '')}${n}`;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 !== 0) return String(n);
  }
}

const keys = () => keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const vault = () => createVault({ store: memoryStore(), keys: keys(), audit: () => undefined });

/** Builds one gateway on a stack, runs `fn`, closes it. */
async function withGateway(stack: Stack, vendor: Vendor, routes: readonly Route[], fn: (url: string) => Promise<void>): Promise<void> {
  const gw = await stack.build(vendor.url, routes);
  try {
    await fn(gw.url);
  } finally {
    await gw.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Keys of a tagged record or object leave in clear: the values are tokenized, hashed or masked,
//    the sender-chosen keys (often the very email the record is about) are copied as they are.

const contactsSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    // "A tag on an object or array applies to everything below it."
    contacts: tag(z.record(z.string(), z.string()), 'personal'),
  }),
);

describe.each(ALL_STACKS)('$name: keys of a tagged record', (stack) => {
  let vendor: Vendor;
  beforeAll(async () => void (vendor = await startVendor()));
  afterAll(async () => vendor.close());

  it('scrubPII (defaults) sends the vendor no key of a record whose values are public: an analytics event\'s properties', async () => {
    const c = canaries();
    const at = mark(vendor);
    const events = defineSchema(z.object({ id: tag(z.string(), 'public'), properties: z.record(z.string(), tag(z.union([z.string(), z.number()]), 'public')) }));
    await withGateway(
      stack,
      vendor,
      [{ method: 'POST', path: '/vendor/events', parse: 'json', guard: (fg) => [fg.scrubPII({ schema: events })], end: 'proxy' }],
      async (url) => {
        const res = await send(`${url}/vendor/events`, post(JSON.stringify({ id: 'e-1', properties: { plan: 'pro', [c.email]: 1, [c.card]: 1, [c.ssn]: 1 } })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      },
    );
  });

  it('tokenizeFields sends the vendor no record key in clear (the values are tokenized, the email keys are not)', async () => {
    const c = canaries();
    const at = mark(vendor);
    await withGateway(
      stack,
      vendor,
      [{ method: 'POST', path: '/vendor/crm', parse: 'json', guard: (fg) => [fg.tokenizeFields({ schema: contactsSchema, vault: vault(), namespace: 'crm' })], end: 'proxy' }],
      async (url) => {
        const res = await send(`${url}/vendor/crm`, post(JSON.stringify({ id: 'c-1', contacts: { [c.email]: c.name } })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      },
    );
  });

  it("protect with personal: 'hash' sends the vendor no record key in clear", async () => {
    const c = canaries();
    const at = mark(vendor);
    const destinations = defineDestinations(
      { crm: { vendor: 'CRM', region: 'DE', lawfulBasis: 'contract', purpose: 'crm', rules: { public: 'keep', personal: 'hash' } } },
      { keys: keys() },
    );
    await withGateway(
      stack,
      vendor,
      [{ method: 'POST', path: '/vendor/crm', parse: 'json', guard: (fg) => [fg.protect({ schema: contactsSchema, destinations, destination: 'crm' })], end: 'proxy' }],
      async (url) => {
        const res = await send(`${url}/vendor/crm`, post(JSON.stringify({ id: 'c-1', contacts: { [c.email]: c.name } })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      },
    );
  });

  it('maskFields answers no record key in clear, though an untagged one would have been masked', async () => {
    const c = canaries();
    const at = mark(vendor);
    await withGateway(
      stack,
      vendor,
      [{ method: 'GET', path: '/contacts', guard: (fg) => [fg.maskFields({ schema: contactsSchema })], end: { json: () => ({ id: 'c-1', contacts: { [c.email]: c.name } }) } }],
      async (url) => {
        const res = await send(`${url}/contacts`);
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. "A URL path holding an email, a card, an SSN, an IBAN or a key" is refused with 422: these forms are forwarded.

const idSchema = defineSchema(z.object({ id: tag(z.string(), 'public') }));

describe.each(ALL_STACKS)('$name: sensitive URL paths', (stack) => {
  let vendor: Vendor;
  beforeAll(async () => void (vendor = await startVendor()));
  afterAll(async () => vendor.close());

  const cases: Array<readonly [string, (c: Canaries) => string]> = [
    ['an IBAN written in lower case', (c) => c.iban.toLowerCase()],
    ['a live API key (sk_live_…)', (c) => c.apiKey],
    ['a card grouped with + (form-encoded spaces)', (c) => c.card.replace(/ /g, '+')],
  ];
  it.each(cases)('scrubPII refuses a path holding %s, and forwards nothing', async (_what, segment) => {
    const c = canaries();
    const at = mark(vendor);
    const path = `/vendor/accounts/${segment(c)}`;
    await withGateway(
      stack,
      vendor,
      [{ method: 'GET', path: stack.kind === 'express' ? '/vendor/accounts/:id' : path, guard: (fg) => [fg.scrubPII({ schema: idSchema })], end: 'proxy' }],
      async (url) => {
        const res = await send(`${url}${path}`);
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(422);
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Logs.

const medicalSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    medical: z.object({ diagnosis: tag(z.string(), 'special', { kind: 'health' }) }),
    customer: z.object({ email: tag(z.string(), 'personal', { kind: 'email' }) }),
  }),
);

describe('logs: the request logger and its levels', () => {
  it("Express 5: requestLog(req) of a pino logger with a custom level ('audit') redacts what is logged through that level", async () => {
    const c = canaries();
    const log = pinoFile({ customLevels: { audit: 35 } });
    const app = express5();
    app.use(fx.redactLogs({ schema: medicalSchema, logger: log.logger }));
    app.post('/orders', express5.json(), (req, res) => {
      (fx.requestLog(req) as unknown as { audit(o: object, m: string): void }).audit({ order: req.body }, 'order received');
      res.sendStatus(202);
    });
    const gw = await listen(createServer(app));
    try {
      const res = await send(`${gw.url}/orders`, post(JSON.stringify({ id: 'o-1', medical: { diagnosis: c.health }, customer: { email: c.email } })));
      expect(res.status).toBe(202);
    } finally {
      await gw.close();
    }
    expectNoLeaks({ 'log file': log.text() }, c);
  });
});

describe('logs: the options of a child of the request logger', () => {
  it('Express 5: requestLog(req).child(bindings, { msgPrefix }) over a plain pino logger writes no email from the prefix', async () => {
    const c = canaries();
    const log = pinoFile();
    const app = express5();
    app.use(fx.redactLogs({ schema: medicalSchema, logger: log.logger }));
    app.get('/orders', (req, res) => {
      const child = (fx.requestLog(req)!.child as unknown as (b: object, o: object) => { info(m: string): void })({ requestId: 'r-1' }, { msgPrefix: `[${c.email}] ` });
      child.info('order received');
      res.sendStatus(204);
    });
    const gw = await listen(createServer(app));
    try {
      expect((await send(`${gw.url}/orders`)).status).toBe(204);
    } finally {
      await gw.close();
    }
    expectNoLeaks({ 'log file': log.text() }, c);
  });
});

describe('logs: a body parser error logged through the request logger', () => {
  it.each([
    ['Express 5', express5],
    ['Express 4', express4 as unknown as typeof express5],
  ])('%s: an error handler logging err through requestLog(req) writes none of the malformed body body-parser kept on err.body', async (_name, express) => {
    const c = canaries();
    const log = pinoFile(pinoOptions(medicalSchema));
    const app = express();
    app.use(fx.redactLogs({ schema: medicalSchema, logger: log.logger }));
    app.post('/orders', express.json(), (_req, res) => void res.sendStatus(202));
    // README: "mount an error handler that logs through requestLog(req)".
    app.use(((err, req, res, _next) => {
      fx.requestLog(req)?.error({ err }, 'request failed');
      res.status(400).json({ error: 'bad request' });
    }) as express5.ErrorRequestHandler);
    const gw = await listen(createServer(app));
    try {
      const body = `{"id":"o-1","medical":{"diagnosis":${JSON.stringify(c.health)}},"customer":{"email":${JSON.stringify(c.email)}},"stripe":${JSON.stringify(c.apiKey)},}`;
      const res = await send(`${gw.url}/orders`, post(body));
      expectNoLeaks({ body: res.text }, c);
      expect(res.status).toBe(400);
    } finally {
      await gw.close();
    }
    expectNoLeaks({ 'log file': log.text() }, c);
  });
});

/** Values an app throws that are not Errors, each quoting a value. */
const NOT_ERRORS: ReadonlyArray<readonly [string, (c: Canaries) => unknown]> = [
  ['a plain object', (c) => ({ code: 'CONTACT_NOT_FOUND', message: `no contact for ${c.email}`, ssn: c.ssn })],
  ['a string', (c) => `no contact for ${c.email}`],
];

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2 as unknown as typeof Koa],
])("%s: a value thrown downstream that is not an Error", (_name, KoaApp) => {
  const printed: string[] = [];
  const original = console.error;
  beforeAll(() => {
    console.error = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  });
  afterAll(() => {
    console.error = original;
  });
  afterEach(() => void (printed.length = 0));

  it.each(NOT_ERRORS)('is printed by Koa redacted when redactLogs is mounted (%s)', async (_what, thrown) => {
    const c = canaries();
    const log = pinoFile(pinoOptions(medicalSchema));
    const app = new KoaApp();
    app.use(fk.redactLogs({ schema: medicalSchema, logger: log.logger }));
    app.use(async () => {
      throw thrown(c);
    });
    const gw = await listen(createServer(app.callback()));
    try {
      const res = await send(`${gw.url}/contacts`);
      expect(res.status).toBe(500);
      expectNoLeaks({ body: res.text }, c);
    } finally {
      await gw.close();
    }
    expect(printed.length).toBeGreaterThan(0);
    expectNoLeaks({ 'log file': log.text(), "Koa's printed error (stderr)": printed.join('\n') }, c);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. What the detectors and the default formats let through, in answers, vendor bodies and log lines.

const orderSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    customer: z.object({ email: tag(z.string(), 'personal', { kind: 'email' }) }),
    // A list of diagnoses, and an object that only groups one.
    diagnoses: z.array(tag(z.string(), 'special', { kind: 'health' })),
    medical: z.object({ diagnosis: tag(z.string(), 'special', { kind: 'health' }) }),
  }),
);

/** One route answered by the handler with `json()`, on one stack. */
async function answer(stack: Stack, guard: Route['guard'], json: () => unknown): Promise<{ text: string; status: number; headers: Record<string, string> }> {
  const vendor = await startVendor();
  try {
    const gw = await stack.build(vendor.url, [{ method: 'GET', path: '/answer', guard, end: { json } }]);
    try {
      return await send(`${gw.url}/answer`);
    } finally {
      await gw.close();
    }
  } finally {
    await vendor.close();
  }
}

const [E5, E4, K3, K2] = STACKS as [Stack, Stack, Stack, Stack];

describe('detectors on untagged text (maskFields scans untagged fields by default)', () => {
  it('Express 5: a card followed by its CVV in an untagged note is masked', async () => {
    const c = canaries();
    const res = await answer(E5, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ id: 'o-1', note: `paid with ${c.card} ${cvvFor(c.card)}` }));
    expectNoLeaks({ 'answer body': res.text }, c);
  });

  it('Koa 2: a link whose nested return URL carries the email (encoded twice, %2540) is masked', async () => {
    const c = canaries();
    const inner = `https://shop.example/orders?email=${encodeURIComponent(c.email)}`;
    const res = await answer(K2, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ id: 'o-1', links: { login: `https://id.example/login?return=${encodeURIComponent(inner)}` } }));
    expectNoLeaks({ 'answer body': res.text }, c);
  });

  it('Express 5: a pagination cursor that base64-encodes the last email is not answered as it is', async () => {
    const c = canaries();
    const res = await answer(E5, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ items: [], next: Buffer.from(JSON.stringify({ after: c.email })).toString('base64url') }));
    expectNoLeaks({ 'answer body': res.text }, c);
  });

  it('Koa 2: an API key under an untagged key that names it (api_key, stripeSecret) is masked, as the log redactor does', async () => {
    const c = canaries();
    const res = await answer(K2, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ id: 'o-1', integration: { api_key: c.apiKey, stripeSecret: c.apiKey } }));
    expectNoLeaks({ 'answer body': res.text }, c);
  });

  it("Express 4: scrubPII({ untagged: 'scan' }) sends the vendor no IBAN written in lower case", async () => {
    const c = canaries();
    const vendor = await startVendor();
    const at = mark(vendor);
    try {
      await withGateway(E4, vendor, [{ method: 'POST', path: '/vendor/payouts', parse: 'json', guard: (fg) => [fg.scrubPII({ schema: idSchema, untagged: 'scan' })], end: 'proxy' }], async (url) => {
        const res = await send(`${url}/vendor/payouts`, post(JSON.stringify({ id: 'p-1', account: c.iban.toLowerCase() })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      });
    } finally {
      await vendor.close();
    }
  });
});

describe('untyped answers that are JSON but do not start with { or [', () => {
  it.each([
    ['Express 5', E5],
    ['Koa 3', K3],
  ] as const)("%s: maskFields masks an email answered as a JSON string (res.send / ctx.body of JSON.stringify(email))", async (_name, stack) => {
    const c = canaries();
    const vendor = await startVendor();
    try {
      const gw = await stack.build(vendor.url, [{ method: 'GET', path: '/me/email', guard: (fg) => [fg.maskFields({ schema: orderSchema })], end: { bytes: () => JSON.stringify(c.email) } }]);
      try {
        const res = await send(`${gw.url}/me/email`);
        expect(JSON.parse(res.text)).toBeTypeOf('string');
        expectNoLeaks({ 'answer body': res.text }, c);
      } finally {
        await gw.close();
      }
    } finally {
      await vendor.close();
    }
  });
});

describe('shapes: a value where the schema has a list or an object of health data', () => {
  it.each([
    ['Express 4', E4],
    ['Koa 3', K3],
  ] as const)('%s: maskFields masks a diagnosis given as a string where the schema has a list of diagnoses, or an object holding one', async (_name, stack) => {
    const c = canaries();
    const res = await answer(stack, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ id: 'o-1', diagnoses: c.health, medical: `${c.health} (follow-up)` }));
    expect(res.status).toBe(200);
    expectNoLeaks({ 'answer body': res.text }, c);
  });
});

describe("the email format keeps what follows the '@'", () => {
  it('Koa 3: maskFields answers no SSN typed after the address in an email field', async () => {
    const c = canaries();
    const res = await answer(K3, (fg) => [fg.maskFields({ schema: orderSchema })], () => ({ id: 'o-1', customer: { email: `${c.email} (SSN ${c.ssn}, card ${c.card})` } }));
    expect(res.status).toBe(200);
    expectNoLeaks({ 'answer body': res.text }, c);
  });

  it("Express 5: protect with personal: 'mask' sends the vendor no SSN or card typed after the address", async () => {
    const c = canaries();
    const vendor = await startVendor();
    const at = mark(vendor);
    const destinations = defineDestinations({ support: { vendor: 'Helpdesk', region: 'IE', lawfulBasis: 'contract', purpose: 'support', rules: { public: 'keep', personal: 'mask' } } });
    try {
      await withGateway(E5, vendor, [{ method: 'POST', path: '/vendor/tickets', parse: 'json', guard: (fg) => [fg.protect({ schema: orderSchema, destinations, destination: 'support' })], end: 'proxy' }], async (url) => {
        const res = await send(`${url}/vendor/tickets`, post(JSON.stringify({ id: 't-1', customer: { email: `${c.email} / SSN ${c.ssn} / card ${c.card}` } })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      });
    } finally {
      await vendor.close();
    }
  });
});

describe('detectors in log lines (pino with pinoOptions)', () => {
  it('a card followed by its CVV, and a key after secret_key=, are not written in clear', () => {
    const c = canaries();
    const log = pinoFile(pinoOptions(orderSchema));
    log.logger.warn(`charge declined for ${c.card} ${cvvFor(c.card)}`);
    log.logger.error({ config: `STRIPE_SECRET_KEY=${c.apiKey}` }, 'payment provider misconfigured');
    log.logger.info({ payout: `to ${c.iban.toLowerCase()}` }, 'payout queued');
    expectNoLeaks({ 'log file': log.text() }, c);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. The shipped examples, attacked as they are.

describe('examples/express-gateway: maskFields on GET /orders/:id', () => {
  it('answers no diagnosis or name that the stored order holds in a list or an object, where the schema has a tagged string', async () => {
    const c = canaries();
    const received: unknown[] = [];
    const vendor = createVendor(received);
    const v = await listen(vendor);
    const gw = await listen(createServer(createGateway(v.url)));
    try {
      const order = {
        id: 'ord_7',
        status: 'paid',
        total: 1,
        customer: { id: 'cus_1', email: c.email, name: { first: c.name, last: 'Doe' }, phone: c.phone },
        items: [{ sku: 'SKU-1', qty: 1, giftNote: [c.health] }],
        diagnosis: [c.health],
      };
      const posted = await send(`${gw.url}/orders`, post(JSON.stringify(order)));
      expect(posted.status).toBe(200);
      const res = await send(`${gw.url}/orders/ord_7`);
      expect(res.status).toBe(200);
      expectNoLeaks({ 'answer body': res.text, 'vendor bodies': JSON.stringify(received) }, c);
    } finally {
      await gw.close();
      await v.close();
    }
  });
});

describe('examples/multi-vendor: the shipping policy (kinds: { address: keep })', () => {
  it('sends ParcelCo none of the card, SSN, email or diagnosis a client put under shipTo', async () => {
    const c = canaries();
    const vendors = { analytics: await startVendor(), shipping: await startVendor(), support: await startVendor() };
    const log = (): void => undefined;
    const app = await listen(createServer(createService({ analytics: vendors.analytics.url, shipping: vendors.shipping.url, support: vendors.support.url }, { info: log, warn: log, error: log })));
    try {
      const at = mark(vendors.shipping);
      const order = {
        id: 'o-1',
        status: 'paid',
        total: 10,
        customer: { id: 'c-1', email: c.email, name: 'Jane Doe' },
        // A checkout form that posts the whole delivery step: the address, and what the customer typed beside it.
        shipTo: { street: '1 Main Street', city: 'Springfield', postalCode: '94110', contactEmail: c.email, instructions: c.health, payment: { card: c.card }, taxId: c.ssn },
        items: [{ sku: 'A', qty: 1 }],
      };
      const res = await send(`${app.url}/shipping/orders`, post(JSON.stringify(order)));
      expectNoLeaks(channels(res, vendors.shipping, at), c);
      expect(res.status).toBe(200);
    } finally {
      await app.close();
      for (const v of Object.values(vendors)) await v.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Answer headers and ranges: what maskFields does not see.

const ssnSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    customer: z.object({ name: tag(z.string(), 'personal', { kind: 'name' }), ssn: tag(z.string(), 'special', { kind: 'ssn' }) }),
  }),
);

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s: maskFields and what the client can learn beside the masked body', (_name, express) => {
  it('a HEAD answer carries no ETag of the unmasked body (else the masked SSN digits are recovered offline)', async () => {
    const c = canaries();
    const app = express();
    const record = { id: 'p-1', customer: { name: 'Jane Doe', ssn: c.ssn } };
    app.get('/people/p-1', fx.maskFields({ schema: ssnSchema }), (_req, res) => void res.type('json').send(JSON.stringify(record)));
    const gw = await listen(createServer(app));
    try {
      const masked = await send(`${gw.url}/people/p-1`);
      expect(JSON.parse(masked.text)).toEqual({ id: 'p-1', customer: { name: '[REDACTED]', ssn: `***-**-${c.ssn.slice(-4)}` } });
      const head = await send(`${gw.url}/people/p-1`, { method: 'HEAD' });
      // What a client does with that ETag: it knows the record's shape and the last four digits the
      // masked answer shows, and tries the 10^5 values of the five it hides.
      let recovered = '';
      for (let i = 0; i < 100_000 && recovered === ''; i++) {
        const d = String(i).padStart(5, '0');
        const guess = `${d.slice(0, 3)}-${d.slice(3)}-${c.ssn.slice(-4)}`;
        if (etag(JSON.stringify({ ...record, customer: { name: 'Jane Doe', ssn: guess } }), { weak: true }) === head.headers['etag']) recovered = guess;
      }
      expectNoLeaks({ 'HEAD answer headers': JSON.stringify(head.headers), 'SSN recovered from the HEAD ETag': recovered }, c);
    } finally {
      await gw.close();
    }
  });

  it('a Range request does not turn masking off for a JSON file served with res.sendFile', async () => {
    const c = canaries();
    // An export kept without a .json extension: sent as application/octet-stream, which maskFields sniffs.
    const file = join(dir, `export-${randomUUID()}`);
    writeFileSync(file, JSON.stringify({ id: 'p-1', customer: { name: c.name, ssn: c.ssn } }));
    const app = express();
    app.get('/exports/p-1', fx.maskFields({ schema: ssnSchema }), (_req, res) => res.sendFile(file));
    const gw = await listen(createServer(app));
    try {
      const whole = await send(`${gw.url}/exports/p-1`);
      expectNoLeaks({ 'answer body': whole.text }, c);
      const ranged = await send(`${gw.url}/exports/p-1`, { headers: { range: 'bytes=1-' } });
      expectNoLeaks({ 'answer body (Range: bytes=1-)': ranged.text }, c);
    } finally {
      await gw.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. tokenizeFields in front of a proxy forwards the URL's query as it came.

describe.each(ALL_STACKS)('$name: tokenizeFields and the query string', (stack) => {
  it('the CRM receives no email, SSN or untagged field from the query of POST /crm/contacts', async () => {
    const c = canaries();
    const vendor = await startVendor();
    const at = mark(vendor);
    const schema = defineSchema(
      z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }), ssn: tag(z.string(), 'special', { kind: 'ssn' }) }),
    );
    try {
      // README: app.post('/crm/contacts', express.json(), tokenizeFields({ schema, vault, namespace: 'crm' }), proxyToCrm)
      await withGateway(stack, vendor, [{ method: 'POST', path: '/vendor/contacts', parse: 'json', guard: (fg) => [fg.tokenizeFields({ schema, vault: vault(), namespace: 'crm' })], end: 'proxy' }], async (url) => {
        const q = `email=${encodeURIComponent(c.email)}&ssn=${c.ssn}&note=${encodeURIComponent(c.health)}`;
        const res = await send(`${url}/vendor/contacts?${q}`, post(JSON.stringify({ id: 'c-1', email: c.email })));
        expectNoLeaks(channels(res, vendor, at), c);
        expect(res.status).toBe(200);
      });
    } finally {
      await vendor.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 8. guardFetch checks the path with the same detectors.

describe('guardFetch: sensitive paths the detectors miss', () => {
  it.each([
    ['an IBAN in lower case', (c: Canaries) => `/v1/accounts/${c.iban.toLowerCase()}`],
    ['a live API key', (c: Canaries) => `/v1/keys/${c.apiKey}/rotate`],
  ])('refuses a path holding %s before a byte is sent', async (_what, path) => {
    const c = canaries();
    const vendor = await startRecorder();
    try {
      const destinations = defineDestinations({ support: { vendor: 'HelpDesk', baseUrl: `${vendor.url}/v1`, region: 'IE', lawfulBasis: 'contract', purpose: 'support', rules: { public: 'keep' } } });
      const fetchVendor = guardFetch({ destinations, schemaFor: () => idSchema, ca: tls.cert });
      const outcome = await fetchVendor(`${vendor.url}${path(c)}`).then(
        (r) => `answered ${r.status}`,
        (e: unknown) => `refused ${(e as { code?: string }).code}`,
      );
      expectNoLeaks({ 'vendor requests': vendor.everything() }, c);
      expect(outcome).toBe('refused ERR_SENSITIVE_URL');
    } finally {
      await vendor.close();
    }
  });
});


const fullSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    status: tag(z.string(), 'internal'),
    customer: z.object({ email: tag(z.string(), 'personal', { kind: 'email' }), ssn: tag(z.string(), 'special', { kind: 'ssn' }) }),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    items: z.array(z.object({ sku: tag(z.string(), 'public'), note: tag(z.string(), 'personal', { kind: 'freeText' }) })),
  }),
);
const full = (c: Canaries) => ({ id: 'o-1', status: 'open', customer: { email: c.email, ssn: c.ssn }, card: c.card, items: [{ sku: 'A', note: c.health }] });

// ---------------------------------------------------------------------------------------------
// 9. Koa, errors: 'throw': a masking failure on an object answer sends the original.

let deepThread: Record<string, unknown> = { text: 'first comment' };
for (let i = 0; i < 70; i++) deepThread = { reply: deepThread };
/** Answers masking cannot finish: what they are, the maskFields options, and what the answer adds. */
const MASK_FAILURES = [
  // A comment thread deeper than maxDepth (64): ERR_PAYLOAD_TOO_DEEP.
  ['an answer nested deeper than maxDepth', {}, () => ({ thread: deepThread })],
  // README: "If masking fails (a throwing format, a BigInt), the answer is 500 in fieldguard's shape — never the original."
  ['a throwing mask format', { formats: { kinds: { ssn: () => { throw new Error('format bug'); } } } }, () => ({})],
] as const;

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2 as unknown as typeof Koa],
])("%s: maskFields({ errors: 'throw' }) when masking fails", (_name, KoaApp) => {
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => void rejections.push(e);
  beforeAll(() => void process.on('unhandledRejection', onRejection));
  afterAll(() => void process.off('unhandledRejection', onRejection));
  afterEach(() => void (rejections.length = 0));

  it.each(MASK_FAILURES)('hands %s to the app and never answers the original', async (_what, extra, more) => {
    const c = canaries();
    const app = new KoaApp();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (e) {
        ctx.status = (e as { status?: number }).status ?? 500;
        ctx.body = { error: (e as { code?: string }).code };
      }
    });
    app.use(fk.maskFields({ schema: fullSchema, errors: 'throw', ...extra }));
    app.use((ctx) => {
      ctx.body = { ...full(c), ...more() };
    });
    const gw = await listen(createServer(app.callback()));
    try {
      const res = await send(`${gw.url}/orders/o-1`);
      await new Promise((r) => setTimeout(r, 50));
      expectNoLeaks({ 'answer body': res.text }, c);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(rejections.map((e) => (e as { code?: string }).code)).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});

// The same on Fastify 5 and Web/Hono, where the answer is guarded as bytes: a masking failure handed to the app's
// error handling (errors: 'throw') answers the app's refusal, never the original.
describe.each(ALL_STACKS.filter((s) => s.kind === 'fastify' || s.kind === 'web'))("$name: maskFields({ errors: 'throw' }) when masking fails", (stack) => {
  it.each(MASK_FAILURES)('hands %s to the app and never answers the original', async (_what, extra, more) => {
    const c = canaries();
    handed.length = 0;
    const gw = await stack.build('http://127.0.0.1:9', [{ method: 'GET', path: '/orders/o-1', guard: (fg) => [fg.maskFields({ schema: fullSchema, errors: 'throw', ...extra })], end: { json: () => ({ ...full(c), ...more() }) } }], 'app');
    try {
      const res = await send(`${gw.url}/orders/o-1`);
      expectNoLeaks({ 'answer body': res.text, 'answer headers': JSON.stringify(res.headers), 'handed error': handed.map(errorText).join('\n') }, c);
      // Fastify has handed the answer to its Node response when the bytes are masked, so no error handler can
      // answer any more: fieldguard answers its own refusal. A Web guard still returns a Response, and throws to the app.
      const answer = JSON.parse(res.text) as { handledBy?: string; code?: string; error?: { code?: string } };
      expect([res.status, stack.kind === 'fastify' ? answer.error?.code : answer.code, answer.handledBy]).toEqual(
        stack.kind === 'fastify' ? [500, 'ERR_MASK_FAILED', undefined] : [500, 'ERR_MASK_FAILED', 'app'],
      );
    } finally {
      await gw.close();
    }
  });
});

// The same on Fastify 5 and Web/Hono: a value thrown by the handler that is not an Error, behind fieldguard's error handling.
describe.each(ALL_STACKS.filter((s) => s.kind === 'fastify' || s.kind === 'web'))('$name: a value thrown by the handler that is not an Error', (stack) => {
  it.each(NOT_ERRORS)('is answered without its values (%s)', async (_what, thrown) => {
    const c = canaries();
    const log = pinoFile(pinoOptions(medicalSchema));
    const gw = await stack.build('http://127.0.0.1:9', [
      {
        method: 'GET',
        path: '/contacts',
        guard: (fg) => [fg.redactLogs({ schema: medicalSchema, logger: log.logger })],
        end: {
          json: () => {
            throw thrown(c);
          },
        },
      },
    ]);
    try {
      const res = await send(`${gw.url}/contacts`);
      // Found writing this case: on Fastify, errorHandler() answered the thrown value itself, with 200 (inside an error
      // handler Fastify sends a value that is not an Error as a body). Now Fastify's own 500 shape, quoting nothing.
      expect([res.status, res.text]).toEqual(
        stack.kind === 'fastify' ? [500, JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'the route failed' })] : [500, 'Internal Server Error'],
      );
      expectNoLeaks({ body: res.text, 'log file': log.text() }, c);
    } finally {
      await gw.close();
    }
  });
});
