// A second outside leak hunt. Each `it.fails` is an attack that succeeds today: its body asserts that
// nothing leaks, so it fails until the cause is fixed (the comment names the channel and the reproduction).
// Each plain `it` is an attack that was refused correctly, kept as a regression.
// Real Express 5 / Koa 3 servers on 127.0.0.1 and real Web-standard Request/Response objects.
//
// Attacks that held (tried, nothing leaked, nothing failed open), one per line:
// - Koa 3 scrubPII with a query canary: ctx.url, ctx.originalUrl, ctx.href, ctx.URL, ctx.query, ctx.search and ctx.req.url all carry the scrubbed query.
// - Hono: a JSON validator, or a middleware calling c.req.json(), before middleware(scrubPII): 415, the handler never runs (kept below).
// - The log redactor (pino with pinoOptions): a card as BigInt, as a number, in a URL object's query; URLSearchParams, Headers, Map values,
//   a Web Request and Response, an Error whose name or cause is an email, a getter on an Error subclass, %s/%o/%j of those: redacted or dropped.
// - maskFields (untagged: 'scan'): arrays of arrays, an object keyed "0", a list or an object where the schema has a tagged string, a string
//   where it has a list of objects: every tagged value below is masked.
// Read in the source, not run here: an answer whose charset cannot be read or that is compressed twice answers 500
// (src/middleware/response.ts bodyText); SSE CR and CRLF line ends are normalized before events are cut (src/middleware/stream.ts);
// a detokenizeFields whose actor() throws refuses like a throwing authorize() (src/middleware/tokenize.ts).
import { createServer, request as httpRequest } from 'node:http';
import express5 from 'express';
import Koa from 'koa';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as fw from '../../src/web/index.js';
import { createMonitor, type Alert } from '../../src/index.js';
import { crm, gateway, post, testClock } from '../monitor/helpers.js';
import { listen, startVendor } from '../helpers/vendor.js';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import pino from 'pino';
import winston from 'winston';
import { redactFormat } from '../../src/log/winston-entry.js';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { pinoOptions } from '../../src/log/pino-entry.js';

const EMAIL = 'canary.7Q3x@leak.example';
const CARD = '4111111111111111';
const SSN = '078-05-1120';

const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
  }),
);
const record = { id: 'o-1', email: EMAIL, card: CARD, ssn: SSN };

/** Every canary, raw and in the common encodings, found in a text. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const c of [EMAIL, CARD, SSN]) {
    const forms = [c, encodeURIComponent(c), Buffer.from(c).toString('base64'), c.replace(/\D/g, '').length >= 9 ? c.replace(/\D/g, '') : '\u0000none'];
    if (forms.some((f) => text.includes(f))) found.push(c);
  }
  return found;
}

/** A raw GET over one socket: status, headers and the body bytes as latin1. */
async function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// 1. `text/json` is a JSON MIME type (WHATWG MIME Sniffing §4.6: "application/json or text/json, or a
//    subtype ending in +json"), and clients parse it as JSON — but the response interceptor's verdict
//    treats it as "another type" and passes it unread.
describe('answers typed text/json', () => {
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    const app = express5();
    app.get('/orders/:id', fx.maskFields({ schema }), (_req, res) => {
      res.type('text/json').send(JSON.stringify(record));
    });
    server = await listen(createServer(app));
  });
  afterAll(async () => server.close());

  // LEAK — channel: the HTTP answer to the client (maskFields, Express 5). Reproduction:
  // `res.type('text/json').send(JSON.stringify({ email, card, ssn }))` behind maskFields answers every
  // value in clear. Cause: src/middleware/response.ts typeVerdict() (only application/json and *+json
  // are 'json'; text/json falls to 'pass'); the Web adapter has the same rule in src/web/wire.ts (line ~112).
  it('Express 5: maskFields masks a text/json answer', async () => {
    const r = await get(server.url, '/orders/o-1');
    expect(r.status).toBe(200);
    expect(leaksIn(r.body)).toEqual([]);
  });

  // Same leak through the Web adapter (src/web/wire.ts answerVerdict).
  it('Web: maskFields masks a text/json Response', async () => {
    const handler = fw.maskFields({ schema })(async () => new Response(JSON.stringify(record), { headers: { 'content-type': 'text/json' } }));
    const res = await handler(new Request('http://127.0.0.1/orders/o-1'));
    expect(leaksIn(await res.text())).toEqual([]);
  });

  // Same leak through Koa 3.
  it('Koa 3: maskFields masks a text/json ctx.body', async () => {
    const app = new Koa();
    app.use(fk.maskFields({ schema }));
    app.use((ctx) => {
      ctx.type = 'text/json';
      ctx.body = JSON.stringify(record);
    });
    const s = await listen(createServer(app.callback()));
    try {
      const r = await get(s.url, '/orders/o-1');
      expect(leaksIn(r.body)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Detectors on untagged text: a card grouped by the spaces text really carries. A card number
//    copied out of a web page or formatted for display is grouped by U+00A0 (no-break space) or
//    U+202F (narrow no-break space, what `Intl.NumberFormat('fr-FR')` puts between groups), an SSN
//    likewise; docs/detection.md says cards "separated by spaces, dashes, dots or a mix" are found.
//    Neither the answer scan (maskFields, untagged: 'scan', its default) nor the log redactor finds them.

/** A Luhn-valid Visa test number, grouped 4-4-4-4 by `sep`. */
const CARD2 = ['4539', '1488', '0343', '6467'];
const grouped = (sep: string): string => CARD2.join(sep);
/** Whether the text carries the card's 16 digits in order, whatever separates them (full-width digits read as digits). */
const hasCardDigits = (text: string): boolean => text.normalize('NFKC').replace(/\D/g, '').includes(CARD2.join(''));
const hasSsnDigits = (text: string): boolean => text.normalize('NFKC').replace(/\D/g, '').includes('078051120');

describe('untagged text: cards and SSNs grouped by no-break spaces', () => {
  let server: { url: string; close: () => Promise<void> };
  let note = '';
  beforeAll(async () => {
    const app = express5();
    app.get('/orders/:id', fx.maskFields({ schema }), (_req, res) => void res.json({ id: 'o-1', note }));
    server = await listen(createServer(app));
  });
  afterAll(async () => server.close());

  const answered = async (text: string): Promise<string> => {
    note = text;
    const r = await get(server.url, '/orders/o-1');
    expect(r.status).toBe(200);
    return Buffer.from(r.body, 'latin1').toString('utf8');
  };

  it('Express 5: maskFields masks a card grouped by spaces, dashes and dots (control)', async () => {
    for (const sep of [' ', '-', '.']) expect(hasCardDigits(await answered(`paid with ${grouped(sep)}`))).toBe(false);
  });

  // LEAK — channel: the HTTP answer (maskFields' untagged scan, Express 5; the same detectors serve every
  // adapter). Reproduction: `res.json({ id, note: 'paid with 4539\u00a01488\u00a00343\u00a06467' })` behind
  // maskFields({ schema }) answers the card in clear; so does U+202F. Cause: src/detect/numbers.ts line 12,
  // `RUN = /\d[\d ().\/-]{6,}/g` (a run of digits never spans U+00A0 / U+202F), and line 54 `cardSep` (' ', '-', '.' only).
  it('Express 5: maskFields masks a card grouped by U+00A0 no-break spaces', async () => {
    expect(hasCardDigits(await answered(`paid with ${grouped('\u00a0')}`))).toBe(false);
  });
  it('Express 5: maskFields masks a card grouped by U+202F (fr-FR number formatting)', async () => {
    expect(hasCardDigits(await answered(`paid with ${grouped('\u202f')}`))).toBe(false);
  });
  // LEAK — same channel: an SSN `078\u00a005\u00a01120` standing alone is answered in clear ('078 05 1120' is masked).
  it('Express 5: maskFields masks an SSN grouped by no-break spaces', async () => {
    expect(hasSsnDigits(await answered('ssn 078 05 1120'))).toBe(false); // control passes…
    expect(hasSsnDigits(await answered('ssn 078\u00a005\u00a01120'))).toBe(false); // …this does not
  });
});

// LEAK — channel: log bytes (pino with pinoOptions(schema); the redactor runs the same detectors). Reproduction:
// `logger.info({ note }, `charged ${note}`)` with the card grouped by U+00A0, U+202F or U+2013 (en dash), or written
// in full-width digits (what a Japanese IME types into a form), writes the 16 digits in clear in `note` and `msg`.
// Cause: src/detect/numbers.ts line 12 (RUN's character class) and line 54 (cardSep); digits are matched as \d (ASCII).
describe('log bytes: cards the redactor does not read as cards', () => {
  const line = (note: string): string => {
    let out = '';
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    const logger = pino(pinoOptions(schema), sink);
    logger.info({ note }, `charged ${note}`);
    logger.flush();
    return out;
  };
  it('masks a card grouped by spaces (control)', () => expect(hasCardDigits(line(grouped(' ')))).toBe(false));
  it('masks a card grouped by U+00A0', () => expect(hasCardDigits(line(grouped('\u00a0')))).toBe(false));
  it('masks a card grouped by U+202F', () => expect(hasCardDigits(line(grouped('\u202f')))).toBe(false));
  it('masks a card grouped by en dashes', () => expect(hasCardDigits(line(grouped('\u2013')))).toBe(false));
  it('masks a card in full-width digits', () => expect(hasCardDigits(line(CARD2.join('').normalize('NFKC').replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))))).toBe(false));
});

// ---------------------------------------------------------------------------------------------
// 3. A URL path that does not decode. Express's router throws `URIError: Failed to decode param
//    '<the raw segment>'` (status 400) before any route middleware runs; errorHandler() answers
//    body-parser's 400s without quoting the body but lets this one through, so Express's final
//    handler answers the segment (and its stack) to the client and writes it to stderr with console.error.
describe('a path parameter that does not decode', () => {
  // LEAK — channel: the HTTP answer and the process's stderr (Express 5, errorHandler() mounted last as
  // the README shows). Reproduction: GET /users/canary.7Q3x%40leak.example%ZZ on a route `/users/:id`
  // answers 400 with "Failed to decode param 'canary.7Q3x%40leak.example%ZZ'" and console.error prints it.
  // Cause: src/middleware/error-handler.ts recognizes body-parser / co-body / fieldguard errors only; the
  // router's URIError (status 400, a message quoting the sender's bytes) is handed on unanswered.
  it('Express 5: errorHandler answers it without quoting the segment, and nothing writes it to stderr', async () => {
    const app = express5();
    app.get('/users/:id', fx.maskFields({ schema }), (req, res) => void res.json({ id: req.params['id'] }));
    app.use(fx.errorHandler());
    const s = await listen(createServer(app));
    const printed: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args.map((a) => (a instanceof Error ? String(a.stack) : String(a))).join(' '));
    try {
      const r = await get(s.url, `/users/${encodeURIComponent(EMAIL)}%ZZ`);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'ERR_INVALID_URL' } });
      expect(leaksIn(r.body)).toEqual([]);
      expect(leaksIn(printed.join('\n'))).toEqual([]);
    } finally {
      console.error = original;
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. An untyped answer that starts like JSON but is several JSON texts (JSON Lines written as a Koa
//    string body, which Koa labels text/plain). The interceptor buffers it because it starts with `{`,
//    JSON.parse refuses it, and it is "sent as it was": every record in clear, though each line is JSON
//    a client reads line by line (and the typed application/x-ndjson form of the same bytes is masked).
describe('an untyped answer of several JSON texts', () => {
  // LEAK — channel: the HTTP answer (maskFields, Koa 3; Express's res.send(string) takes the same path).
  // Reproduction: `ctx.body = [rec, rec].map((r) => JSON.stringify(r)).join('\n')` behind maskFields answers
  // both records in clear. Cause: src/middleware/response.ts guardedEnd, the `if (sniffed)` branch after
  // JSON.parse fails (a sniffed body that is not one JSON text is passed unread rather than refused or read
  // as records); src/web/wire.ts readAnswer does the same for the Web adapter.
  it('Koa 3: maskFields does not answer the records of an untyped JSON Lines body in clear', async () => {
    const app = new Koa();
    app.use(fk.maskFields({ schema }));
    app.use((ctx) => {
      ctx.body = [record, { ...record, id: 'o-2' }].map((r) => JSON.stringify(r)).join('\n');
    });
    const s = await listen(createServer(app.callback()));
    try {
      const r = await get(s.url, '/orders');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
      expect(leaksIn(r.body)).toEqual([]);
    } finally {
      await s.close();
    }
  });
  it('Koa 3: the same bytes typed application/x-ndjson are masked (control)', async () => {
    const app = new Koa();
    app.use(fk.maskFields({ schema }));
    app.use((ctx) => {
      ctx.type = 'application/x-ndjson';
      ctx.body = [record, { ...record, id: 'o-2' }].map((r) => JSON.stringify(r)).join('\n');
    });
    const s = await listen(createServer(app.callback()));
    try {
      const r = await get(s.url, '/orders');
      expect(r.status).toBe(200);
      expect(leaksIn(r.body)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 5. responseDrift names the paths of a vendor's answer that are new. A key "that may be data" is
//    written `*` — but only when it does not look like a field name (src/monitor/shape.ts NAME:
//    /^[A-Za-z_][A-Za-z0-9_]{0,39}$/). An AWS access key id, a Stripe secret key or a username used
//    as a map key looks like one, so it is named in the alert, which goes to onAlert, the store and OTel.
describe('monitor: responseDrift alerts over an answer keyed by credentials', () => {
  // LEAK — channel: monitor alerts (onAlert; the same alert is stored and exported). Reproduction: behind
  // protect on Express, after the warm-up the vendor answers `{ ok: true, keys: { AKIA…: { active: true },
  // sk_live_…: { active: true } } }`; the alert's paths read `added keys.AKIA…:object`, `added keys.sk_live_…:object`.
  // Cause: src/monitor/shape.ts line 4 (NAME) and line 30 (a key matching NAME is named as it is; the
  // detectors are never run on it).
  it('Express: the alert names no access key id or secret key the vendor used as a key', async () => {
    const aws = `AKIA${Array.from({ length: 16 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[(i * 7 + 3) % 32]).join('')}`;
    const stripe = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
    let drift = false;
    const vendor = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(drift ? { ok: true, keys: { [aws]: { active: true }, [stripe]: { active: true } } } : { ok: true }));
      });
    });
    const v = await listen(vendor);
    const destinations = crm(v.url);
    const clock = testClock();
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined, signals: { outboundDrift: false } });
    const app = await gateway('Express', destinations, v.url);
    try {
      for (let w = 0; w < 3; w++) {
        for (let i = 0; i < 2; i++) expect((await post(app, { id: `o${i}` })).status).toBe(200);
        clock.advance(1000);
        await monitor.flush();
      }
      drift = true;
      expect((await post(app, { id: 'o9' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
      await monitor.flush();
      expect(alerts.map((a) => a.signal)).toContain('responseDrift');
      const text = JSON.stringify(alerts);
      expect(text.includes(aws) || text.includes(stripe), text).toBe(false);
    } finally {
      await monitor.close();
      await app.close();
      await v.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 6. The URL path check uses the same detectors: a card in the path grouped by no-break spaces
//    (percent-encoded, as a client sends it) or written in full-width digits is forwarded to the vendor.
//    Many vendors read full-width digits as digits (Python's int('４５３９'), .NET's char.IsDigit, NFKC).
describe('the URL path: cards the path check does not read', () => {
  const paths = {
    control: `/vendor/cards/${grouped('-')}/charge`,
    nbsp: `/vendor/cards/${encodeURIComponent(grouped('\u00a0'))}/charge`,
    fullwidth: `/vendor/cards/${encodeURIComponent(CARD2.join('').replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))))}/charge`,
  };
  const attempt = async (path: string): Promise<{ status: number; wire: string }> => {
    const vendor = await startVendor();
    const app = express5();
    app.post('/vendor/*rest', express5.json(), fx.scrubPII({ schema }), createProxyMiddleware({ target: vendor.url, pathRewrite: { '^/vendor': '' }, on: { proxyReq: fixRequestBody } }));
    const s = await listen(createServer(app));
    try {
      const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o-1' }) });
      await r.text();
      return { status: r.status, wire: decodeURIComponent(vendor.wire()) };
    } finally {
      await s.close();
      await vendor.close();
    }
  };
  it('Express 5: scrubPII refuses a card grouped by dashes in the path (control)', async () => {
    const r = await attempt(paths.control);
    expect(r.status).toBe(422);
    expect(hasCardDigits(r.wire)).toBe(false);
  });
  // LEAK — channel: the vendor's request path (scrubPII + http-proxy-middleware, Express 5). Reproduction:
  // POST /vendor/cards/4539%C2%A01488%C2%A00343%C2%A06467/charge reaches the vendor as it is (200), and so does
  // the card in full-width digits. Cause: src/detect/numbers.ts lines 12 and 54, through src/detect/url.ts.
  it('Express 5: scrubPII refuses a card grouped by no-break spaces in the path', async () => {
    const r = await attempt(paths.nbsp);
    expect(hasCardDigits(r.wire)).toBe(false);
  });
  it('Express 5: scrubPII refuses a card in full-width digits in the path', async () => {
    const r = await attempt(paths.fullwidth);
    expect(hasCardDigits(r.wire)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. redactLogs trusts a logger built with pinoOptions to redact the request line "once" — with the
//    logger's schema. Given a route's own schema, redactLogs({ schema, logger }) then never applies it:
//    a field that schema tags but the logger's schema does not know, and that no detector finds (a
//    diagnosis, a name), is written in clear.
describe("redactLogs over a pinoOptions logger built from another schema", () => {
  // LEAK — channel: log bytes (redactLogs with bodies: true and requestLog(req), Express 5). Reproduction: an
  // app-wide `pino(pinoOptions(base))` where `base` has only `id`, and on one route
  // `redactLogs({ schema: patient, logger, bodies: true })` with `diagnosis` tagged special/health: the request
  // line's reqBody and `requestLog(req).info({ body })` both write the diagnosis in clear. Cause:
  // src/middleware/logs.ts line 90 (`copy` is the identity whenever isRedactingLogger(o.logger), whatever schema
  // the logger was built with) and the same hand-over in the request logger (src/log/wrap.ts line 301, redactingLogger).
  it('Express 5: the route schema\'s tagged diagnosis is not written in clear', async () => {
    const DIAGNOSIS = 'canary-diagnosis tuberculosis Q3x7';
    const base = defineSchema(z.object({ id: tag(z.string(), 'public') }));
    const patient = defineSchema(z.object({ id: tag(z.string(), 'public'), diagnosis: tag(z.string(), 'special', { kind: 'health' }) }));
    let out = '';
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    const logger = pino({ ...pinoOptions(base), base: null, timestamp: false }, sink);
    const app = express5();
    app.post('/patients', express5.json(), fx.redactLogs({ schema: patient, logger, bodies: true }), (req, res) => {
      fx.requestLog(req)?.info({ body: req.body }, 'received');
      res.sendStatus(202);
    });
    const s = await listen(createServer(app));
    try {
      const r = await fetch(`${s.url}/patients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'p-1', diagnosis: DIAGNOSIS }) });
      expect(r.status).toBe(202);
      await new Promise((done) => setTimeout(done, 30));
      expect(out).toContain('request completed');
      expect(out).not.toContain('canary-diagnosis');
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 8. A payload logged as its JSON text rather than as an object. The redactor matches the schema's
//    paths under any key of a logged *object*, but a string holding the same payload serialized is
//    only scanned by the detectors, which find no diagnosis or name. This is how HTTP clients' errors
//    carry the request: an axios error has `config.data`, the JSON body it sent, as a string; a raw body
//    kept by a `verify` hook is a string too; and so is `log.info(\`sending ${JSON.stringify(body)}\`)`.
describe('log bytes: a tagged payload inside a string of JSON', () => {
  const patient = defineSchema(z.object({ id: tag(z.string(), 'public'), diagnosis: tag(z.string(), 'special', { kind: 'health' }), name: tag(z.string(), 'personal', { kind: 'name' }) }));
  const body = { id: 'p-1', diagnosis: 'canary-tuberculosis Q3x7', name: 'Jane Canaryson' };
  /** An error shaped as axios rejects with: the request's JSON body as `config.data`, the answer as `response.data`. */
  const axiosError = (): Error => Object.assign(new Error('Request failed with status code 500'), { config: { url: 'https://vendor.example/v1/patients', method: 'post', data: JSON.stringify(body) }, response: { status: 500, data: { echo: body } } });
  const clean = (text: string): void => {
    expect(text).not.toContain('canary-tuberculosis');
    expect(text).not.toContain('Canaryson');
  };

  it('pino: the same payload logged as an object is redacted (control)', () => {
    let out = '';
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    pino({ ...pinoOptions(patient), base: null, timestamp: false }, sink).info({ nested: { data: body } }, 'object');
    clean(out);
  });

  // LEAK — channel: log bytes (pino with pinoOptions). Reproduction: `logger.error({ err: axiosError }, 'vendor call
  // failed')` writes err.config.data — `{"id":"p-1","diagnosis":"canary-tuberculosis …","name":"Jane Canaryson"}` —
  // in clear (err.response.data, an object, is redacted). Cause: src/log/redactor.ts — a string is passed to the
  // detectors only (src/log/encoded.ts decodes percent-encoding, never JSON), so no schema path applies inside it.
  it('pino: an axios-shaped error writes no tagged field of the JSON body it carries in config.data', () => {
    let out = '';
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    pino({ ...pinoOptions(patient), base: null, timestamp: false }, sink).error({ err: axiosError() }, 'vendor call failed');
    clean(out);
  });
  // LEAK — same channel, the message: `logger.info(\`sending ${JSON.stringify(body)}\`)`.
  it('pino: a message holding the payload as JSON writes no tagged field', () => {
    let out = '';
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    pino({ ...pinoOptions(patient), base: null, timestamp: false }, sink).info(`sending ${JSON.stringify(body)}`);
    clean(out);
  });
  // LEAK — channel: log bytes (winston with redactFormat first). Same reproduction, `logger.error('vendor call failed', err)`.
  it('winston: an axios-shaped error writes no tagged field of config.data', () => {
    let out = '';
    const stream = new Writable({ write(c: Buffer, _e, cb) { out += c.toString('utf8'); cb(); } });
    const logger = winston.createLogger({ format: winston.format.combine(redactFormat(patient), winston.format.splat(), winston.format.json()), transports: [new winston.transports.Stream({ stream })] });
    logger.error('vendor call failed', axiosError());
    clean(out);
  });
});

// ---------------------------------------------------------------------------------------------
// 9. Hono: a validator placed before the guard on a route (Hono's usual order: validators first). For the
//    body, the guard finds it read and refuses (415) — fail closed. For the query it rewrites c.req.raw's URL,
//    while the handler's c.req.valid('query') still holds what the validator read: the unscrubbed query.
describe('Hono: a query validator mounted before middleware(scrubPII)', () => {
  it('a JSON validator before the guard: refused, nothing handed on (control)', async () => {
    const app = new Hono();
    let reached = false;
    app.post('/vendor', validator('json', (v) => v), fw.middleware(fw.scrubPII({ schema })), (c) => {
      reached = true;
      return c.json({ ok: true });
    });
    const r = await app.request('/vendor', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) });
    expect(r.status).toBe(415);
    expect(reached).toBe(false);
    expect(leaksIn(await r.text())).toEqual([]);
  });
  // LEAK — channel: what the handler forwards (Web adapter through Hono's middleware()). Reproduction:
  // `app.get('/vendor', validator('query', (v) => v), middleware(scrubPII({ schema })), (c) => forward(c.req.valid('query')))`
  // with ?id=o-1&email=canary…: c.req.query() is { id } but c.req.valid('query') still carries the email.
  // Cause: src/web/index.ts middleware() (line ~176) replaces only c.req.raw; a query already read is not
  // refused the way a body already read is (src/middleware/request.ts, the readableEnded branch).
  it('a query validator before the guard, with nothing in the query to scrub: handed on as it is (control)', async () => {
    const app = new Hono();
    let handed: unknown;
    app.get('/vendor', validator('query', (v) => v), fw.middleware(fw.scrubPII({ schema })), (c) => {
      handed = c.req.valid('query');
      return c.json({ ok: true });
    });
    const r = await app.request('/vendor?id=o-1');
    expect(r.status).toBe(200);
    expect(handed).toEqual({ id: 'o-1' });
  });
  // Fixed: the guard refuses a query a validator read before it (500 ERR_INVALID_OPTIONS, nothing handed on).
  it('the handler finds no canary in the query it was handed', async () => {
    const app = new Hono();
    let handed: unknown;
    app.get('/vendor', validator('query', (v) => v), fw.middleware(fw.scrubPII({ schema })), (c) => {
      handed = { valid: c.req.valid('query'), query: c.req.query() };
      return c.json({ ok: true });
    });
    const r = await app.request(`/vendor?id=o-1&email=${encodeURIComponent(EMAIL)}`);
    expect(r.status === 200 ? leaksIn(JSON.stringify(handed)) : []).toEqual([]);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_INVALID_OPTIONS' } });
    expect(leaksIn(text)).toEqual([]);
    expect(handed).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// 10. Honeytokens: "a decoy in any body, query or header … refused with 403 and a critical alert". The
//     preflight searches a body a parser already read, and the guard searches the text it rewrote
//     (setBody); a streamed upload (NDJSON) is searched record by record as it passes (Exchange.checkRecord),
//     and an email decoy in another letter case (the same mailbox) is searched case-folded.
describe('monitor: honeytokens that reach the vendor', () => {
  const run = async (send: (app: { url: string }, decoy: string) => Promise<Response>): Promise<{ status: number; alerts: Alert[]; vendorSaw: boolean }> => {
    const vendor = await startVendor();
    const destinations = crm(vendor.url);
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const decoy = monitor.honeytoken({ kind: 'email', domain: 'decoys.example.com' });
    const app = await gateway('Express', destinations, vendor.url);
    try {
      // A streamed upload is cut at the record that holds a decoy: the client may see the connection end instead of an answer.
      const r = await send(app, decoy).catch(() => undefined);
      await r?.text().catch(() => '');
      await new Promise((done) => setTimeout(done, 30));
      return { status: r?.status ?? 0, alerts, vendorSaw: vendor.wire().toLowerCase().includes(decoy.toLowerCase()) };
    } finally {
      await monitor.close();
      await app.close();
      await vendor.close();
    }
  };
  it('a decoy in a public field of a JSON body is refused with 403 (control)', async () => {
    const r = await run((app, decoy) => fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: decoy, contacts: [] }) }));
    expect(r.status).toBe(403);
    expect(r.vendorSaw).toBe(false);
  });
  // FAIL-OPEN — channel: the vendor's body (protect + http-proxy-middleware, Express). Reproduction: POST
  // /crm/contacts with Content-Type application/x-ndjson and the line {"id":"<decoy>","contacts":[]}: 200, the
  // vendor receives the decoy, no honeytoken alert. Cause: src/monitor/guard.ts watchedExchange() searches only
  // setBody/setQuery text and preflight() a parsed body; src/middleware/stream-request.ts streamRequest rewrites
  // a Node stream without either.
  it('a decoy in a public field of an NDJSON upload is refused, never forwarded', async () => {
    const r = await run((app, decoy) => fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify({ id: decoy, contacts: [] })}\n` }));
    expect(r.vendorSaw).toBe(false);
    expect(r.alerts.map((a) => a.signal)).toContain('honeytoken');
  });
  // FAIL-OPEN — same channel. Reproduction: the JSON body {"id":"<DECOY IN UPPER CASE>","contacts":[]}: 200, forwarded,
  // no alert, though mail to it reaches the decoy's mailbox. Cause: src/monitor/honeytokens.ts line ~79 (the
  // forms are the value, its URL encodings and base64 — no case folding for an email).
  it('an email decoy written in upper case is refused, never forwarded', async () => {
    const r = await run((app, decoy) => fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: decoy.toUpperCase(), contacts: [] }) }));
    expect(r.vendorSaw).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 11. The same two gaps on the answer side, where a proxied vendor chooses the bytes.
describe('answers: JSON types without +json, and a payload inside a string', () => {
  // LEAK — channel: the HTTP answer (maskFields, Express 5). Reproduction: an answer typed
  // `application/x-amz-json-1.1` (the AWS JSON protocol's type, which a gateway in front of a DynamoDB- or
  // Kinesis-compatible service proxies) passes unread. Cause: src/middleware/response.ts typeVerdict(), as in 1.
  it('Express 5: maskFields masks an application/x-amz-json-1.1 answer', async () => {
    const app = express5();
    app.get('/items', fx.maskFields({ schema }), (_req, res) => void res.type('application/x-amz-json-1.1').send(JSON.stringify(record)));
    const s = await listen(createServer(app));
    try {
      expect(leaksIn((await get(s.url, '/items')).body)).toEqual([]);
    } finally {
      await s.close();
    }
  });
  // LEAK — channel: the HTTP answer (maskFields, untagged: 'scan', its default). Reproduction: a vendor's answer
  // `{ id, event: JSON.stringify({ diagnosis }) }` (a webhook's payload kept as text) answers the diagnosis in clear,
  // while `{ id, event: { diagnosis } }` is masked. Cause: the scan of an untagged string runs the detectors only
  // (src/plan/walk.ts line 169, scan()), never the schema's paths over JSON it holds — the gap of 8, on the answer side.
  it('Express 5: maskFields masks a tagged field inside an untagged string of JSON', async () => {
    const patient = defineSchema(z.object({ id: tag(z.string(), 'public'), diagnosis: tag(z.string(), 'special', { kind: 'health' }) }));
    const app = express5();
    app.get('/events', fx.maskFields({ schema: patient }), (_req, res) => void res.json({ id: 'e-1', event: JSON.stringify({ id: 'p-1', diagnosis: 'canary-tuberculosis Q3x7' }) }));
    const s = await listen(createServer(app));
    try {
      const r = await get(s.url, '/events');
      expect(r.status).toBe(200);
      expect(r.body).not.toContain('canary-tuberculosis');
    } finally {
      await s.close();
    }
  });
});
