// The project's own leak hunt: fresh canaries in every sensitive position, through every middleware, framework and body form; every channel scanned in every encoding.
//
// A longer hunt than `npm test` runs: HUNT_RUNS=60 npx vitest run test/leaks/hunt.test.ts (each run sends one fresh
// payload through every route and form of every framework). A failure prints fast-check's seed; HUNT_SEED=<seed>
// replays it. HUNT_DEBUG=1 prints which known leaks each framework showed.
import etag from 'etag';
import fc from 'fast-check';
import qs from 'qs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import winston from 'winston';
import express from 'express';
import Koa from 'koa';
import { z } from 'zod';
import { compileTokenize, defineDestinations, defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as ff from '../../src/fastify/index.js';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { startVendor } from '../helpers/vendor.js';
import { Hono } from 'hono';
import * as fw from '../../src/web/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { redisClient, startPrivateRedis } from '../helpers/redis.js';
import { RETURNED_ANSWERS } from './hunt/apps-fastify-web.js';
import { huntFrameworks, sink, EXPRESS_ANSWERS, KOA_ANSWERS, type AnswerForm, type HuntApp } from './hunt/apps.js';
import { exchange, huntId, present, scan, type Route } from './hunt/channels.js';
import { BODY_FORMS, encodeRequest, exchangeRaw, expectAnswered, expectLogLines, expectNoSenderKeys, expectPublicFields, expectReframed, leakMessage, OUTBOUND, sharedChannels } from './hunt/expect.js';
import { Draw, freeText, headerPlants, KINDS, logArgPlants, plantPayload, toJson, toValue, type JsonEscape, type Plant } from './hunt/plant.js';
import { huntSchema } from './hunt/schema.js';
import { settle, withServer } from './hunt/minimal.js';
import { canaries, findLeaks, type CanaryKind } from './canaries.js';

/** Runs per property and framework: every run sends one fresh payload through every route and form. */
const RUNS = Number(process.env['HUNT_RUNS'] ?? 4);
/** Long hunts (HUNT_RUNS=200) need more than the suite's 20 s per test. */
const TIMEOUT = Math.max(20_000, RUNS * 3_000);
const fcOptions = (): fc.Parameters<unknown> => ({ numRuns: RUNS, endOnFailure: true, ...(process.env['HUNT_SEED'] ? { seed: Number(process.env['HUNT_SEED']) } : {}) });

let redis: Redis | undefined;
/** A client of a Redis that was stopped: the vault behind it is down. */
let dead: Redis | undefined;
beforeAll(async () => {
  try {
    const server = await startPrivateRedis();
    dead = redisClient(server.url);
    await dead.ping();
    await server.stop();
  } catch {
    dead?.disconnect();
    dead = undefined;
  }
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const client = redisClient(url);
  try {
    await client.ping();
    redis = client;
  } catch (e) {
    client.disconnect();
    // In CI a missing Redis fails the run; locally the Redis channel is left out and the SQLite one still runs.
    if (process.env['CI']) throw e;
  }
});
afterAll(() => {
  redis?.disconnect();
  dead?.disconnect();
});


// ---------------------------------------------------------------------------------------------
// Leaks the hunt found, each as the smallest deterministic case that shows it — all fixed now, and
// kept as regressions. A new finding is pinned here as `it.skip` and tolerated by an exact rule in
// hunt/channels.ts (KNOWN_LEAKS) until it is fixed, so the properties still assert everything else.

const KEYS = keyRing({ keys: { k1: Buffer.alloc(32, 0x33).toString('base64') } });

describe('leaks the hunt found, fixed and kept as regressions', () => {
  // LEAK-1 — channel: the answer (maskFields) and the vendor's body (tokenizeFields, protect with a
  // tokenize policy); form: res.json / parsed JSON; canary: an email used as a key inside an object the
  // schema tags personal; frameworks: all four (shown on Express 5). The values are masked or tokenized,
  // the keys the sender chose are copied as they came. scrubPII drops the object whole and is not affected.
  it('LEAK-1: the keys of a tagged object are not copied in clear by maskFields, tokenizeFields or protect', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), contacts: tag(z.record(z.string(), z.string()), 'personal') }));
    const vault = createVault({ store: memoryStore(), keys: KEYS, audit: () => undefined });
    const destinations = defineDestinations({ crm: { vendor: 'CRM', region: 'DE', lawfulBasis: 'contract', purpose: 'sync', rules: { public: 'keep', personal: 'tokenize' } } }, { vault });
    const body = { id: '1', contacts: { [c.email]: 'Jane' } };
    await withServer(
      (rig) => {
        const app = express();
        app.get('/masked', fx.maskFields({ schema }), (_req, res) => void res.json(body));
        app.post('/tokenized', express.json(), fx.tokenizeFields({ schema, vault }), rig.proxy);
        app.post('/protected', express.json(), fx.protect({ schema, destinations, destination: 'crm' }), rig.proxy);
        return app;
      },
      async (url, rig) => {
        const masked = await (await fetch(`${url}/masked`)).text();
        expect(findLeaks({ masked }, c)).toEqual([]);
        for (const path of ['/tokenized', '/protected']) {
          await (await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).text();
          expect(findLeaks({ [path]: rig.vendor.received.at(-1)!.body }, c)).toEqual([]);
        }
      },
    );
  });

  // LEAK-2 — channel: log bytes (pino with pinoOptions, winston with redactFormat, redactLogs' bodies and
  // requestLog/contextLog alike); form: any logged object; canary: health text at `tree.children[0].condition`
  // of a recursive zod schema; frameworks: all. schema.fields() lists `tree.condition` only, so the redactor's
  // `**.tree.condition` path misses every deeper level, where the string is only scanned and free text passes.
  it('LEAK-2: the log redactor masks a recursive schema’s tagged field at every depth', () => {
    const c = canaries();
    const logs = sink();
    pino(pinoOptions(huntSchema), logs.stream).info({ order: { tree: { condition: c.health, children: [{ condition: c.health.toUpperCase() }] } } }, 'tree');
    expect(findLeaks({ pino: logs.since(0) }, c)).toEqual([]);
  });

  // LEAK-3 — channel: log bytes (pino, winston, redactLogs); form: any logged object; canary: a name used as a
  // key of `z.record(tag(z.string(), 'personal', { kind: 'name' }), …)`; frameworks: all. The redactor is built
  // from schema paths only, so the key tag (propertyNames) is lost: keys are only scanned, and names pass.
  it('LEAK-3: the log redactor honours a tag on a record’s keys', () => {
    const c = canaries();
    const schema = defineSchema(z.object({ visits: z.record(tag(z.string(), 'personal', { kind: 'name' }), tag(z.number(), 'public')) }));
    const logs = sink();
    pino(pinoOptions(schema), logs.stream).info({ visits: { [c.name]: 3 } }, 'visits');
    expect(findLeaks({ pino: logs.since(0) }, c)).toEqual([]);
  });

  // LEAK-4 — channel: the vendor's URL; form: query string; canary: an email, an SSN and a health text in the
  // query (`?email=…&ssn=…&note=…`); frameworks: all four (shown on Express 5). tokenizeFields rewrites the body
  // only (target 'body'), so the query reaches the vendor as the client sent it — the outbound default is not
  // fail-closed there, unlike scrubPII and protect (target 'both').
  it('LEAK-4: tokenizeFields does not forward the URL query untouched', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));
    const vault = createVault({ store: memoryStore(), keys: KEYS, audit: () => undefined });
    await withServer(
      (rig) => express().get('/contacts', fx.tokenizeFields({ schema, vault }), rig.proxy),
      async (url, rig) => {
        await (await fetch(`${url}/contacts?id=1&email=${encodeURIComponent(c.email)}&ssn=${c.ssn}&note=${encodeURIComponent(c.health)}`)).text();
        expect(findLeaks({ url: rig.vendor.received.at(-1)!.url }, c)).toEqual([]);
      },
    );
  });

  // LEAK-5 — channel: log bytes; form: query string logged as the framework parsed it (`contextLog(ctx).info({ query: ctx.query })`);
  // canary: a name at `customer[name]`; frameworks: Koa 2 and 3, and Express 5 (whose default parser is flat too).
  // Koa's ctx.query keeps `customer[name]` as one key, which the redactor does not read as `customer.name`.
  it('LEAK-5: the log redactor reads a flat `customer[name]` query key as the path it names', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ customer: z.object({ name: tag(z.string(), 'personal', { kind: 'name' }) }) }));
    await withServer(
      (rig) => {
        const app = new Koa();
        app.use(fk.redactLogs({ schema, logger: pino(rig.logs.stream) }));
        app.use((ctx) => {
          fk.contextLog(ctx)?.info({ query: ctx.query }, 'search');
          ctx.body = { ok: true };
        });
        return app.callback();
      },
      async (url, rig) => {
        await (await fetch(`${url}/search?customer[name]=${encodeURIComponent(c.name)}`)).text();
        await settle();
        expect(findLeaks({ logs: rig.logs.since(0) }, c)).toEqual([]);
      },
    );
  });

  // LEAK-6 — channel: log bytes; form: JSON parsed by express.json(), malformed; canary: health text at `diagnosis`
  // (and anything else in the body the detectors do not know); frameworks: Express 4 and 5. body-parser's error
  // keeps the raw body in `err.body` and quotes it in its message; an error handler that logs through requestLog(req)
  // (as README advises) writes both, only scanned. Koa is not affected: redactLogs neutralizes co-body's error first.
  it('LEAK-6: a body-parser error logged through requestLog(req) carries nothing of the malformed body', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ diagnosis: tag(z.string(), 'special', { kind: 'health' }) }));
    await withServer(
      (rig) => {
        const app = express();
        app.use(fx.redactLogs({ schema, logger: pino(rig.logs.stream) }));
        app.post('/visits', express.json(), fx.scrubPII({ schema }), (_req, res) => void res.sendStatus(204));
        app.use((err: unknown, req: express.Request, _res: express.Response, next: express.NextFunction) => {
          fx.requestLog(req)?.error(err, 'request failed');
          next(err);
        });
        app.use(fx.errorHandler());
        return app;
      },
      async (url, rig) => {
        const res = await fetch(`${url}/visits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"diagnosis":"${c.health}", "name":"${c.name}"x}` });
        expect(res.status).toBe(400);
        await res.text();
        await settle();
        expect(findLeaks({ logs: rig.logs.since(0) }, c)).toEqual([]);
      },
    );
  });

  // LEAK-7 — channel: log bytes (redactLogs with `bodies: true` logs request headers); form: request headers;
  // canary: an API key under x-auth-token, x-access-token, x-session-id, x-goog-api-key, x-csrf-token;
  // frameworks: all. Credential header names are matched exactly against a short list (issue 8, item 4, still open).
  it('LEAK-7: credential headers outside the exact list of names are not logged as they came', async () => {
    const c = canaries();
    await withServer(
      (rig) => {
        const app = express();
        app.use(fx.redactLogs({ logger: pino(rig.logs.stream), bodies: true }));
        app.get('/ping', (_req, res) => void res.sendStatus(204));
        return app;
      },
      async (url, rig) => {
        const headers = { 'x-auth-token': c.apiKey, 'x-access-token': `${c.apiKey}a`, 'x-session-id': `${c.apiKey}b`, 'x-goog-api-key': `${c.apiKey}c`, 'x-csrf-token': `${c.apiKey}d` };
        await (await fetch(`${url}/ping`, { headers })).text();
        await settle();
        expect(findLeaks({ logs: rig.logs.since(0) }, c)).toEqual([]);
      },
    );
  });

  // LEAK-8 — channel: the answer; form: Express res.send(string) with a JSON text and no type set
  // (`res.send(JSON.stringify(order))`); canary: an email at a personal field; frameworks: Express 4 and 5.
  // Express labels the string text/html before writing it, and the response guard passes text/html unread.
  // tokenizeFields and detokenizeFields on the answer pass it the same way (tokens stay unresolved there).
  it('LEAK-8: maskFields masks a JSON text answered with res.send(string), which Express labels text/html', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));
    await withServer(
      () => express().get('/order', fx.maskFields({ schema }), (_req, res) => void res.send(JSON.stringify({ id: '1', email: c.email }))),
      async (url) => {
        const answer = await (await fetch(`${url}/order`)).text();
        expect(findLeaks({ answer }, c)).toEqual([]);
      },
    );
  });

  // LEAK-9 — channel: the answer's status and headers; form: HEAD, and GET with If-None-Match, of an answer sent as
  // bytes (Express res.send(Buffer | string) with a JSON type; Koa string and Buffer bodies for Content-Length);
  // canary: an SSN at a special field; frameworks: Express 4 and 5 (ETag and 304), all four (Content-Length on HEAD).
  // Express computes the ETag and answers 304 from the unmasked bytes before the guard sees them: HEAD hands out a
  // SHA-1 of the unmasked body (brute-forceable offline for the five hidden SSN digits when the rest of the record
  // is known), and a conditional GET with a guessed body's ETag answers 304 exactly when the guess is right — an
  // online oracle. Value answers (res.json) are not affected: their ETag is the masked body's.
  it('LEAK-9: HEAD and conditional GETs describe the masked body, never the one masking replaced', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), ssn: tag(z.string(), 'special', { kind: 'ssn' }) }));
    const original = JSON.stringify({ id: '1', ssn: c.ssn });
    await withServer(
      () => express().get('/record', fx.maskFields({ schema }), (_req, res) => void res.type('json').send(Buffer.from(original))),
      async (url) => {
        const get = await fetch(`${url}/record`);
        const masked = Buffer.from(await get.arrayBuffer());
        const head = await fetch(`${url}/record`, { method: 'HEAD' });
        expect(head.headers.get('etag')).not.toBe(etag(Buffer.from(original), { weak: true }));
        const length = head.headers.get('content-length');
        if (length !== null) expect(Number(length)).toBe(masked.length);
        const confirmed = await exchangeRaw(`${url}/record`, { 'if-none-match': etag(Buffer.from(original), { weak: true }) });
        expect(confirmed, 'a guess of the unmasked body is not confirmed by a 304').toBe(200);
      },
    );
  });

  // LEAK-10 — channel: the answer; form: res.json / ctx.body object; canary: an email in a Buffer (or typed array) at
  // a field no tag covers; frameworks: all. Under maskFields' default `untagged: 'scan'` a string there is masked by
  // the detectors, but a Buffer is an opaque leaf kept as it is, and JSON.stringify writes its bytes (`99,97,110,…`).
  it('LEAK-10: maskFields does not answer an untagged Buffer’s bytes unread', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public') }));
    await withServer(
      () => express().get('/upload', fx.maskFields({ schema }), (_req, res) => void res.json({ id: '1', attachment: Buffer.from(c.email), digest: new Uint8Array(Buffer.from(c.card)) })),
      async (url) => {
        const answer = await (await fetch(`${url}/upload`)).text();
        // A Buffer is written as {"type":"Buffer","data":[…bytes]}, a typed array as {"0":b0,"1":b1,…}.
        expect(answer).not.toContain([...Buffer.from(c.email)].join(','));
        expect(answer).not.toContain([...Buffer.from(c.card)].map((b, i) => `"${i}":${b}`).join(','));
      },
    );
  });

  // LEAK-11 — channel: log bytes (the `msg` field); form: `logger.error(err)` with no message, on pino with
  // pinoOptions; canary: a card and an email in err.message; framework: none (the logger). pino copies err.message
  // into msg after the logMethod hook and outside formatters.log (issue 8, item 1, still open). Through
  // requestLog(req) the error arrives already redacted and is not affected.
  it('LEAK-11: pino’s logger.error(err) writes no raw err.message into msg', () => {
    const c = canaries();
    const logs = sink();
    pino(pinoOptions(huntSchema), logs.stream).error(new Error(`charge failed for ${c.card} (${c.email})`));
    expect(findLeaks({ pino: logs.since(0) }, c)).toEqual([]);
  });

  // LEAK-12 — channel: log bytes; form: a pino child's `msgPrefix`, and bindings set later with `setBindings()`;
  // canary: an email; framework: none (the logger). onChild rewrites the bindings made at child(), not these
  // (issue 8, item 2, still open).
  it('LEAK-12: pino’s child msgPrefix and setBindings() are redacted like other bindings', () => {
    const c = canaries();
    const logs = sink();
    const logger = pino(pinoOptions(huntSchema), logs.stream);
    logger.child({}, { msgPrefix: `[${c.email}] ` }).info('prefixed');
    const child = logger.child({});
    child.setBindings({ customer: { email: c.email }, diagnosis: c.health });
    child.info('rebound');
    expect(findLeaks({ pino: logs.since(0) }, c)).toEqual([]);
  });

  // LEAK-13 — channel: the vendor's URL; form: the URL path; canary: a Luhn-valid card glued to a word by '-'
  // (`/cards/card-4…`), or after ':', '.', '+' or an encoded '/' (`a%2F4…`), and an SSN after '-' (`ref-123-45-6789`);
  // frameworks: all four (shown on Express 5). The card detector's look-behind excludes those characters and the
  // SSN's excludes '-', so ERR_SENSITIVE_URL is not raised and the path is forwarded; the same text in a log or in
  // an untagged answer field is not masked either.
  it('LEAK-13: the URL check refuses a card or an SSN glued to a word in the path', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public') }));
    const digits = c.card.replace(/\D/g, '');
    await withServer(
      (rig) => express().use('/v', express.json(), fx.scrubPII({ schema }), rig.proxy),
      async (url, rig) => {
        for (const path of [`/v/cards/card-${digits}`, `/v/cards/ref:${digits}`, `/v/cards/a%2F${encodeURIComponent(c.card)}`, `/v/people/ref-${c.ssn}`]) {
          const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"1"}' });
          expect(res.status, path).toBe(422);
          await res.text();
        }
        expect(rig.vendor.received).toEqual([]);
      },
    );
  });
});

describe('leaks the hunt found on Fastify and the Web, fixed and kept as regressions', () => {
  // LEAK-14 — channel: the app's own error logging (pino and winston through request.log / requestLog, both
  // redacting; Fastify's default error handler through reply.log); form: an answer value whose serialization throws
  // (a getter at a tagged position throwing an Error that quotes the value, a toJSON doing the same); frameworks:
  // Fastify 5 and Web/Hono. Express and Koa hand fieldguard the value before it is serialized, so the walk fails
  // first with ERR_UNREADABLE_VALUE. Fastify serialized after every hook and handed the getter's own Error to the
  // app's error handler, whose logger saw free text in its message. Now a response guard serializes the reply's
  // values under a guard that answers ERR_UNREADABLE_VALUE instead; on the Web, json() of fieldguard/web serializes
  // where the guard sees the failure (Response.json and Hono's c.json throw inside the handler, which the framework
  // hands to the app's onError before any guard sees it — docs/middleware.md says so).
  const throwing = (secret: string): unknown => ({
    id: 'o-1',
    customer: {
      get email(): string {
        throw new Error(secret);
      },
    },
  });
  const withJson = (secret: string): unknown => ({ id: 'o-1', diagnosis: { toJSON: () => { throw new Error(secret); } } });
  const listening = async (app: ReturnType<typeof Fastify>): Promise<string> => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  };
  const expectRefused = (status: number, text: string): void => {
    expect(status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_UNREADABLE_VALUE', message: 'the answer could not be serialized (a getter, toJSON or proxy threw), so it cannot be masked' } });
  };

  it('LEAK-14: a value whose serialization throws with a tagged value in its message is not logged in clear by the app', async () => {
    const c = canaries();
    const logs = sink();
    const logger = pino(pinoOptions(huntSchema), logs.stream);
    const app = Fastify();
    app.addHook('onRequest', ff.redactLogs({ schema: huntSchema, logger }));
    const handled: unknown[] = [];
    app.setErrorHandler((err, request, reply) => {
      handled.push(err);
      request.log.error(err, 'request failed');
      void reply.code(500).send({ error: { code: 'ERR_INTERNAL' } });
    });
    app.get('/a', { preHandler: ff.maskFields({ schema: huntSchema }) }, async () => throwing(c.health));
    app.get('/b', { preHandler: ff.maskFields({ schema: huntSchema }) }, async (_request, reply) => reply.send(withJson(c.email)));
    app.get('/c', { preHandler: ff.maskFields({ schema: huntSchema }) }, async () => ({ id: 'o-1', qty: 10n ** 20n, diagnosis: c.health }));
    const url = await listening(app);
    try {
      for (const path of ['/a', '/b', '/c']) {
        const res = await fetch(`${url}${path}`);
        const text = await res.text();
        expectRefused(res.status, text);
        expect(findLeaks({ answer: text, log: logs.since(0) }, c), path).toEqual([]);
      }
      // fieldguard answered: the app's error handler never saw the getter's Error.
      expect(handled).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it("LEAK-14, Fastify: with errors: 'throw', the app's error handler and Fastify's default one get ERR_UNREADABLE_VALUE, never the app's Error", async () => {
    const c = canaries();
    const logs = sink();
    // Fastify's own logger, built by loggerOptions: the default error handler writes through reply.log.
    const app = Fastify({ logger: { ...ff.loggerOptions(huntSchema), stream: logs.stream }, disableRequestLogging: true });
    app.addHook('onRequest', ff.redactLogs({ schema: huntSchema, logger: app.log }));
    const handled: unknown[] = [];
    await app.register(async (scope) => {
      scope.setErrorHandler((err, request, reply) => {
        handled.push(err);
        request.log.error(err, 'request failed');
        void reply.code(500).send({ error: { code: (err as { code?: string }).code } });
      });
      scope.get('/own', { preHandler: ff.maskFields({ schema: huntSchema, errors: 'throw' }) }, async () => throwing(c.health));
    });
    // No error handler of the app's: Fastify's default one answers and logs.
    app.get('/default', { preHandler: ff.maskFields({ schema: huntSchema, errors: 'throw' }) }, async () => throwing(c.ssn));
    const url = await listening(app);
    try {
      const own = await fetch(`${url}/own`);
      const ownText = await own.text();
      expect(own.status).toBe(500);
      expect(JSON.parse(ownText)).toEqual({ error: { code: 'ERR_UNREADABLE_VALUE' } });
      expect(handled.map((e) => (e as { code?: unknown }).code)).toEqual(['ERR_UNREADABLE_VALUE']);
      const fallback = await fetch(`${url}/default`);
      const fallbackText = await fallback.text();
      expect(fallback.status).toBe(500);
      expect(JSON.parse(fallbackText)).toMatchObject({ statusCode: 500, code: 'ERR_UNREADABLE_VALUE' });
      const log = logs.since(0);
      expect(log).toContain('ERR_UNREADABLE_VALUE');
      expect(findLeaks({ own: ownText, fallback: fallbackText, log }, c)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('LEAK-14, Web: json() answers ERR_UNREADABLE_VALUE under a guard, and Hono’s onError logs nothing of the getter’s Error', async () => {
    const c = canaries();
    const logs = sink();
    const logger = pino(pinoOptions(huntSchema), logs.stream);
    const app = new Hono();
    const errors: unknown[] = [];
    app.use('*', fw.middleware(fw.redactLogs({ schema: huntSchema, logger })));
    app.get('/a', fw.middleware(fw.maskFields({ schema: huntSchema })), () => fw.json(throwing(c.health)));
    app.get('/b', fw.middleware(fw.tokenizeFields({ schema: huntSchema, vault: createVault({ store: memoryStore(), keys: KEYS }), on: 'response', errorFormat: 'problem' })), () => fw.json(withJson(c.email)));
    app.get('/c', fw.middleware(fw.maskFields({ schema: huntSchema, errors: 'throw' })), () => fw.json(throwing(c.ssn)));
    app.onError((err, ctx) => {
      errors.push(err);
      fw.requestLog(ctx.req.raw)?.error({ err }, 'request failed');
      return fw.errorHandler()(err, ctx) ?? Response.json({ error: { code: 'ERR_INTERNAL' } }, { status: 500 });
    });
    const a = await app.request('/a');
    const aText = await a.text();
    expectRefused(a.status, aText);
    const b = await app.request('/b');
    const bText = await b.text();
    expect(b.status).toBe(500);
    expect(b.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(bText)).toMatchObject({ code: 'ERR_UNREADABLE_VALUE', status: 500 });
    const cRes = await app.request('/c');
    const cText = await cRes.text();
    expectRefused(cRes.status, cText);
    expect(errors.map((e) => (e as { code?: unknown }).code)).toEqual(['ERR_UNREADABLE_VALUE']);
    // Unguarded, json() is fieldguard's answer all the same.
    const bare = fw.json(throwing(c.card));
    const bareText = await bare.text();
    expectRefused(bare.status, bareText);
    expect(findLeaks({ a: aText, b: bText, c: cText, bare: bareText, log: logs.since(0) }, c)).toEqual([]);
  });

  // LEAK-15 — channel: the vendor's body; form: any request a Fastify guard refuses (untagged under reject, too large,
  // a URL with a card) on an app with an async onSend hook (compression, headers); framework: Fastify 5. A hook
  // that answered resolved before its answer was sent — the async onSend hook deferred it — and Fastify runs the next
  // hook and the handler unless the reply is sent by then: reply.from forwarded the body the guard had refused, in
  // clear. A guard that answered now resolves once its answer is sent.
  it('LEAK-15: a refusal on Fastify forwards nothing when an async onSend hook defers the answer', async () => {
    const c = canaries();
    const vendor = await startVendor();
    const app = Fastify();
    await app.register(replyFrom, { base: vendor.url });
    app.addHook('onSend', async (_request, reply, payload) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      void reply.header('x-sent-by', 'onSend');
      return payload;
    });
    let handled = 0;
    const forward = (_request: unknown, reply: { from: (path: string) => unknown }): unknown => (handled++, reply.from('/orders'));
    app.post('/strict', { preHandler: ff.scrubPII({ schema: huntSchema, untagged: 'reject' }) }, forward as never);
    app.post('/deep', { preValidation: ff.tokenizeFields({ schema: huntSchema, vault: createVault({ store: memoryStore(), keys: KEYS }), maxDepth: 1 }) }, forward as never);
    app.post('/cards/*', { preHandler: ff.protect({ schema: huntSchema, destinations: defineDestinations({ crm: { vendor: 'CRM', region: 'DE', lawfulBasis: 'contract', purpose: 'crm', rules: { internal: 'keep' } } }, { keys: KEYS }), destination: 'crm' }) }, forward as never);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const body = JSON.stringify({ id: 'o-1', unknown: c.email, customer: { email: c.email, ssn: c.ssn }, diagnosis: c.health });
      const answers: string[] = [];
      for (const [path, status] of [['/strict', 422], ['/deep', 400], [`/cards/${c.card.replace(/\D/g, '')}`, 422]] as const) {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        answers.push(await res.text());
        expect([path, res.status, res.headers.get('x-sent-by')]).toEqual([path, status, 'onSend']);
      }
      await settle();
      expect(handled).toBe(0);
      expect(vendor.received).toEqual([]);
      expect(findLeaks({ answers: answers.join('\n') }, c)).toEqual([]);
    } finally {
      app.server.closeAllConnections();
      await app.close();
      await vendor.close();
    }
  });
});

const FRAMEWORKS = huntFrameworks(undefined).map((f) => ({ name: f.name, kind: f.kind }));

describe.each(FRAMEWORKS)('leak hunt through $name', ({ name }) => {
  let app: HuntApp;
  const seenKnown = new Set<string>();
  beforeAll(async () => {
    app = await huntFrameworks(redis, dead).find((f) => f.name === name)!.start();
  });
  afterAll(async () => {
    if (process.env['HUNT_DEBUG']) {
      const requests = app.pino.since(0).match(/"msg":"request completed"/g)?.length ?? 0;
      console.log(`${name}: ${requests} requests; known leaks seen: ${[...seenKnown].sort().join(', ')}`);
    }
    await app?.close();
  });

  it('outbound — scrubPII, tokenizeFields and protect over parsed JSON, unparsed JSON or form, parsed form and query: the vendor, the answer, logs, reports, flows and the vault hold only public fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const planted = plantPayload(g, { proto: d.chance(20), caseVariants: d.chance(50), decoys: d.chance(40) });
        for (const { prefix, route, stores } of OUTBOUND) {
          for (const form of BODY_FORMS) {
            const req = encodeRequest(planted, form, d);
            const store = stores && redis !== undefined && d.chance(50) ? 'redis' : 'sqlite';
            const headers: Record<string, string> = { 'x-store': store };
            if (req.contentType !== undefined) headers['content-type'] = req.contentType;
            if (req.encoding !== undefined) headers['content-encoding'] = req.encoding;
            const cuts = req.body !== undefined && d.chance(40) ? [d.int(1, req.body.length - 1), d.int(1, req.body.length - 1)] : undefined;
            const context = `${prefix} (${store}) ${form}: ${req.note}${cuts ? `, chunked at ${cuts.join(',')}` : ''}`;
            const seen = await exchange(app, {
              method: form === 'query' ? 'GET' : 'POST',
              path: `/v/${prefix}/${form}${req.path}`,
              headers,
              ...(req.body !== undefined ? { body: req.body } : {}),
              ...(cuts !== undefined ? { chunkCuts: cuts } : {}),
            });
            // Koa and Express 5 parse queries flat (`customer[ssn]` is one key): what the forwarded query kept is logged so.
            const flat = form === 'query' && name !== 'Express 4' ? { flatQueryPlants: present(seen.channels['vendor.url']!, planted.plants) } : {};
            const { found, known } = scan({ ...route, ...flat }, seen.channels, planted.plants);
            known.forEach((k) => seenKnown.add(k));
            expect(found, leakMessage(name, context, found)).toEqual([]);
            expectLogLines(seen, `${name} ${context}`);
            expectNoSenderKeys({ reports: seen.channels['reports'] }, planted, `${name} ${context}`);
            // Refusals by the framework's own parser fail closed: nothing forwarded.
            const refusedByParser =
              form === 'json' &&
              ((seen.status === 400 && app.kind === 'koa' && planted.plants.some((p) => p.site === 'proto')) || // co-body refuses __proto__
                (seen.status === 400 && app.kind === 'koa' && req.contentType?.includes('utf-16') === true) || // co-body reads JSON as UTF-8 only
                (seen.status === 415 && name === 'Express 4' && req.encoding === 'br') || // body-parser 1 cannot inflate br
                // Fastify's JSON parser reads UTF-8 only, does not decompress, and refuses __proto__ (onProtoPoisoning: 'error').
                (seen.status === 400 && app.kind === 'fastify' && (req.encoding !== undefined || req.contentType?.includes('utf-16') === true || planted.plants.some((p) => p.site === 'proto'))));
            // The Web adapter decompresses with DecompressionStream, which has no br everywhere: refused 415 on every JSON route.
            const refusedByAdapter = app.kind === 'web' && req.encoding === 'br' && seen.status === 415;
            if (refusedByAdapter) {
              expect(JSON.parse(seen.body.toString()).error.code, context).toBe('ERR_UNSUPPORTED_CONTENT_TYPE');
              expect(seen.vendor, `${context}: refused, nothing forwarded`).toEqual([]);
              continue;
            }
            if (refusedByParser) {
              expect(seen.vendor, `${context}: refused by the parser, nothing forwarded`).toEqual([]);
              continue;
            }
            expect(seen.status, `${context}: ${seen.body.toString()}`).toBe(200);
            expect(seen.vendor).toHaveLength(1);
            expectReframed(seen, req.syntax, form, `${name} ${context}`, app.kind === 'fastify' ? 'bare' : 'labels');
            expectPublicFields(seen, planted, route, form, req.syntax, `${name} ${context}`);
          }
        }
        const shared = await sharedChannels(app, redis);
        const { found } = scan({ family: 'error', middleware: 'tokenizeFields', ci: false }, shared, planted.plants);
        expect(found, leakMessage(name, 'vault files, Redis, flows() and audit events', found)).toEqual([]);
        expectNoSenderKeys({ flows: shared['flows'] }, planted, name);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      fcOptions(),
    );
  }, TIMEOUT);

  it('answers — maskFields (case-sensitive and not), tokenizeFields on the answer, detokenizeFields allowed and refused, in every form the framework answers with: the client, logs, reports and audit events get only what the policy allows', async () => {
    const forms: readonly AnswerForm[] = app.kind === 'express' ? EXPRESS_ANSWERS : app.kind === 'koa' ? KOA_ANSWERS : RETURNED_ANSWERS;
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const planted = plantPayload(g, { proto: d.chance(20), caseVariants: d.chance(50), decoys: d.chance(40) });
        const logged = logArgPlants(planted.plants.length, d);
        const sent = headerPlants(planted.plants.length + logged.plants.length, d);
        const plants = [...planted.plants, ...logged.plants, ...sent.plants];
        const value = toValue(planted.root);
        const store = redis !== undefined && d.chance(50) ? 'redis' : 'sqlite';
        const vault = store === 'redis' ? app.vaults.redis! : app.vaults.sqlite;
        // What a vendor holding tokens answers: the payload tokenized in the namespace detokenizeFields resolves.
        const tokenized = (await compileTokenize({ schema: huntSchema, vault, namespace: 'support' })(value)).value;
        const cases: ReadonlyArray<{ path: string; route: Route; body: unknown; text: () => string; headers?: Record<string, string>; status: number }> = [
          { path: 'mask', route: { family: 'mask', middleware: 'maskFields', ci: false }, body: value, text: () => toJson(planted.root, d, d.pick(['none', 'some', 'all'])), status: 200 },
          { path: 'mask-ci', route: { family: 'mask', middleware: 'maskFields', ci: true }, body: value, text: () => toJson(planted.root, d, 'none'), status: 200 },
          { path: 'tok', route: { family: 'tokenize-answer', middleware: 'tokenizeFields', ci: false }, body: value, text: () => toJson(planted.root, d, d.pick(['none', 'some'])), status: 200 },
          { path: 'detok', route: { family: 'detokenize', middleware: 'detokenizeFields', ci: false }, body: tokenized, text: () => JSON.stringify(tokenized), headers: { 'x-role': 'support' }, status: 200 },
          { path: 'detok', route: { family: 'refused', middleware: 'detokenizeFields', ci: false }, body: tokenized, text: () => JSON.stringify(tokenized), status: 403 },
        ];
        const audits = app.audit.length;
        for (const c of cases) {
          for (const form of forms) {
            const id = huntId();
            const text = c.text();
            const cuts = Array.from({ length: d.int(0, 3) }, () => d.int(1, Math.max(1, text.length - 1)));
            app.answers.set(id, { form, value: c.body, text, cuts, logArgs: logged.args });
            const context = `${c.path} (${store}) answered as ${form}${c.status === 403 ? ', caller refused' : ''}${cuts.length > 0 ? `, written in pieces at ${cuts.join(',')}` : ''}`;
            const headers = { ...sent.headers, 'x-store': store, ...c.headers };
            const seen = await exchange(app, { method: 'GET', path: `/a/${c.path}/${form}`, headers, id });
            app.answers.delete(id);
            const { found, known } = scan({ ...c.route, answerForm: form }, seen.channels, plants);
            known.forEach((k) => seenKnown.add(k));
            expect(found, leakMessage(name, context, found)).toEqual([]);
            expectLogLines(seen, `${name} ${context}`);
            expectNoSenderKeys({ reports: seen.channels['reports'] }, planted, `${name} ${context}`);
            expect(seen.status, `${context}: ${seen.body.toString().slice(0, 300)}`).toBe(c.status);
            if (seen.headers['content-length'] !== undefined) expect(Number(seen.headers['content-length']), `${context}: Content-Length`).toBe(seen.body.length);
            expect(seen.headers['content-encoding'], context).toBeUndefined();
            if (c.status !== 200) continue;
            // LEAK-8: a text/html answer passes every response guard as it was (tokens stay tokens, values stay values).
            if (form === 'send-text') continue;
            const answered = JSON.parse(seen.body.toString('utf8')) as unknown;
            expectAnswered(answered, planted, c.route, `${name} ${context}`);
            if (c.route.family === 'mask' && d.chance(30)) {
              // HEAD must describe the body GET sends, never the one it replaced.
              const headId = huntId();
              app.answers.set(headId, { form, value: c.body, text, cuts, logArgs: logged.args });
              const head = await exchange(app, { method: 'HEAD', path: `/a/${c.path}/${form}`, headers, id: headId });
              app.answers.delete(headId);
              expect(head.status, `HEAD ${context}`).toBe(seen.status);
              const { found: headFound } = scan(c.route, head.channels, plants);
              expect(headFound, leakMessage(name, `HEAD ${context}`, headFound)).toEqual([]);
              expect(head.body.length, `HEAD ${context}: no body`).toBe(0);
              const length = head.headers['content-length'];
              const tag = head.headers['etag'];
              const describesGet = (length === undefined || Number(length) === seen.body.length) && (tag === undefined || tag === etag(seen.body, { weak: true }));
              // A conditional GET whose ETag is the unmasked text's must not be confirmed with a 304.
              const guessId = huntId();
              app.answers.set(guessId, { form, value: c.body, text, cuts, logArgs: logged.args });
              const guess = await exchange(app, { method: 'GET', path: `/a/${c.path}/${form}`, headers: { ...headers, 'if-none-match': etag(text, { weak: true }) }, id: guessId });
              app.answers.delete(guessId);
              // A HEAD describes the body GET sends (or leaves it undescribed); a guessed ETag of the unmasked text is never confirmed.
              expect(describesGet, `HEAD ${context}: describes the masked body`).toBe(true);
              expect(guess.status, `GET ${context} with the unmasked text's ETag`).not.toBe(304);
            }
          }
        }
        expect(app.audit.length, 'every detokenization and refusal is audited').toBeGreaterThan(audits);
        const { found } = scan({ family: 'error', middleware: 'detokenizeFields', ci: false }, { ...(await sharedChannels(app, redis)), audit: JSON.stringify(app.audit.slice(audits)) }, plants);
        expect(found, leakMessage(name, 'audit events, vault files and Redis', found)).toEqual([]);
      }),
      fcOptions(),
    );
  }, TIMEOUT);

  it('refusals — malformed, 10,000-deep, untagged under reject, too large and uninspectable bodies: nothing forwarded, and no canary in the answer, the logs or the reports', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const planted = plantPayload(g, { proto: false, caseVariants: d.chance(30), decoys: d.chance(30) });
        const json = toJson(planted.root, d, d.pick<JsonEscape>(['none', 'some']));
        // Broken right after a canary, where a parser's message quotes the text around the error.
        const near = planted.plants.filter((p) => !p.number && json.includes(p.text)).map((p) => json.indexOf(p.text) + p.text.length);
        const cut = near.length > 0 ? d.pick(near) : json.length - 1;
        // Inside a string right after the canary: a quote then a character no JSON allows there (or a raw control character).
        const malformed = json.slice(0, cut) + d.pick(['"x', '"}}x', '\u0001', '" 4111']) + json.slice(cut, d.chance(50) ? json.length : cut + 20);
        const depth = d.pick([80, 10_000]);
        const deep = `${'['.repeat(depth)}${json}${']'.repeat(depth)}`;
        const strict = { family: 'refused', middleware: 'scrubPII', ci: false } as const;
        const broken = { family: 'error', middleware: 'scrubPII', ci: false } as const;
        const cases: Array<{ path: string; body: string; type: string; route: Route; status: readonly number[]; code?: string }> = [
          { path: '/v/scrub/json', body: malformed, type: 'application/json', route: broken, status: [400], code: 'ERR_INVALID_JSON' },
          { path: '/v/scrub/raw', body: malformed, type: 'application/json', route: broken, status: [400], code: 'ERR_INVALID_JSON' },
          { path: '/v/tok/json', body: malformed, type: 'application/json', route: broken, status: [400], code: 'ERR_INVALID_JSON' },
          { path: '/v/protect/raw', body: malformed, type: 'application/json', route: broken, status: [400], code: 'ERR_INVALID_JSON' },
          { path: '/a/mask-in/json', body: malformed, type: 'application/json', route: broken, status: [400], code: 'ERR_INVALID_JSON' },
          { path: '/v/scrub/json', body: deep, type: 'application/json', route: broken, status: [400], code: 'ERR_PAYLOAD_TOO_DEEP' },
          { path: '/v/tok/raw', body: deep, type: 'application/json', route: broken, status: [400], code: 'ERR_PAYLOAD_TOO_DEEP' },
          { path: '/v/strict/json', body: json, type: 'application/json', route: strict, status: [422, 200] },
          { path: '/v/small/raw', body: json, type: 'application/json', route: strict, status: [413] },
          { path: '/v/scrub/raw', body: json, type: d.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x']), route: broken, status: [415], code: 'ERR_UNSUPPORTED_CONTENT_TYPE' },
        ];
        if (d.chance(25)) {
          // Past the 1 MiB limit fieldguard reads itself, and past express.json()'s 100 kB.
          const big = `{"pad":"${'x'.repeat(1_200_000)}",${json.slice(1)}`;
          cases.push({ path: '/v/scrub/raw', body: big, type: 'application/json', route: broken, status: [413], code: 'ERR_PAYLOAD_TOO_LARGE' });
          if (app.kind === 'express') cases.push({ path: '/v/scrub/json', body: big, type: 'application/json', route: broken, status: [413], code: 'ERR_PAYLOAD_TOO_LARGE' });
        }
        for (const c of cases) {
          const body = Buffer.from(c.body);
          const cuts = d.chance(30) ? [d.int(1, body.length - 1)] : undefined;
          const context = `${c.path} with ${c.code ?? c.status.join('/')} (${c.type}${cuts ? ', chunked' : ''})`;
          const seen = await exchange(app, { method: 'POST', path: c.path, headers: { 'content-type': c.type }, body, ...(cuts ? { chunkCuts: cuts } : {}) });
          // A payload with no untagged field passes the strict route: it is then an ordinary forward.
          const route: Route = seen.status === 200 ? { family: 'outbound', middleware: 'scrubPII', ci: false } : c.route;
          const parsedByBodyParser = app.kind === 'express' && c.code === 'ERR_INVALID_JSON' && !c.path.endsWith('/raw');
          const { found, known } = scan({ ...route, parserErrorLogged: parsedByBodyParser }, seen.channels, planted.plants);
          known.forEach((k) => seenKnown.add(k));
          expect(found, leakMessage(name, context, found)).toEqual([]);
          expectLogLines(seen, `${name} ${context}`);
          expect(c.status, `${context}: ${seen.body.toString().slice(0, 300)}`).toContain(seen.status);
          if (seen.status === 200) continue;
          expect(seen.vendor, `${context}: nothing forwarded`).toEqual([]);
          expectNoSenderKeys({ answer: seen.body.toString(), reports: seen.channels['reports'] }, planted, `${name} ${context}`);
          const answer = JSON.parse(seen.body.toString()) as { error: { code: string; paths?: string[] } };
          if (c.code !== undefined) expect(answer.error.code, context).toBe(c.code);
          // Paths name schema keys, and a key the sender chose only as its parent's path plus `*`.
          for (const path of answer.error.paths ?? []) expect(path, context).toMatch(/^(?:[a-zA-Z]+|\[\*\]|\.|\*)*$/);
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      fcOptions(),
    );
  }, TIMEOUT);

  it('paths — a canary in the URL path (raw, encoded once, twice, every character, behind an encoded slash, as a matrix parameter) is refused before a byte leaves when the detectors know its kind, and never logged', async () => {
    const CLAIMED: ReadonlySet<CanaryKind> = new Set(['email', 'card', 'ssn', 'iban', 'jwt', 'apiKey']);
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        for (const kind of KINDS) {
          const canary = canaries()[kind];
          const enc = d.pick(['raw', 'once', 'twice', 'every'] as const);
          const seg =
            enc === 'raw' ? canary.replace(/[ %?#/]/g, encodeURIComponent) : enc === 'once' ? encodeURIComponent(canary) : enc === 'twice' ? encodeURIComponent(encodeURIComponent(canary)) : [...Buffer.from(canary)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
          const shape = d.pick(['segment', 'slash', 'matrix', 'glued'] as const);
          const path = { segment: `/v/scrub-path/orders/${seg}`, slash: `/v/scrub-path/a%2F${seg}`, matrix: `/v/scrub-path/orders;ref=${seg}`, glued: `/v/scrub-path/orders/ref-${seg}` }[shape];
          const plant: Plant = { id: 0, kind, canary, text: canary, number: false, where: 'value', segments: ['(path)'], site: 'field', depth: 0, cls: 'sensitive', clsCI: 'sensitive', jsonOnly: false };
          const seen = await exchange(app, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"id":"x"}') });
          const context = `${kind} in the path (${enc}, ${shape})`;
          const forwarded = !CLAIMED.has(kind);
          if (!forwarded) {
            expect(seen.status, `${context}: ${seen.body.toString()}`).toBe(422);
            expect(JSON.parse(seen.body.toString()).error.code).toBe('ERR_SENSITIVE_URL');
            expect(seen.vendor, context).toEqual([]);
          } else {
            // Kinds the URL check does not claim (free text, names) are forwarded: docs/detection.md.
            expect(seen.status, context).toBe(200);
          }
          // Where the path is forwarded, the vendor and its echo have it; logs and reports never do (they name the route pattern).
          const channels = forwarded ? Object.fromEntries(Object.entries(seen.channels).filter(([c]) => !c.startsWith('vendor.') && c !== 'answer.body')) : seen.channels;
          const { found } = scan({ family: 'error', middleware: 'scrubPII', ci: false }, channels, [plant]);
          expect(found, leakMessage(name, context, found)).toEqual([]);
        }
      }),
      fcOptions(),
    );
  }, TIMEOUT);

  it('exotic answers — toJSON, class instances, null-prototype objects, Maps, Sets and Buffers at tagged positions, throwing getters, BigInt and cycles: masked, or refused with an answer that quotes nothing', async () => {
    const form: AnswerForm = app.kind === 'express' ? 'json' : 'object';
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const planted = plantPayload(g, { proto: false, caseVariants: false, decoys: false });
        const value = toValue(planted.root) as Record<string, unknown>;
        const extra = KINDS.map((kind, i): Plant => {
          const canary = canaries()[kind];
          return { id: planted.plants.length + i, kind, canary, text: canary, number: false, where: 'value', segments: ['(exotic)'], site: 'field', depth: 0, cls: 'sensitive', clsCI: 'sensitive', jsonOnly: false };
        });
        const plants = [...planted.plants, ...extra];
        const c = (i: number): string => extra[i]!.text;
        const nullProto = (v: unknown): unknown => {
          if (Array.isArray(v)) return v.map(nullProto);
          if (v === null || typeof v !== 'object') return v;
          const out = Object.create(null) as Record<string, unknown>;
          for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: nullProto(x), enumerable: true, writable: true, configurable: true });
          return out;
        };
        class Order {}
        const cyclic: Record<string, unknown> = { ...value };
        cyclic['customer'] = { email: c(0), again: cyclic };
        const variants: ReadonlyArray<{ name: string; answer: unknown; ok: boolean }> = [
          { name: 'an object with its own toJSON', answer: { ...value, toJSON: () => value }, ok: true },
          { name: 'a class instance', answer: Object.assign(new Order(), value), ok: true },
          { name: 'null-prototype objects', answer: nullProto(value), ok: true },
          {
            name: 'Maps, Sets, Buffers and typed arrays at tagged positions',
            answer: { ...value, email: new Map([[c(0), c(1)]]), diagnosis: Buffer.from(c(2)), payment: { card: new Set([c(3)]), iban: new Uint8Array(Buffer.from(c(4))) }, customer: { ...(value['customer'] as object), name: new String(c(5)) } },
            ok: true,
          },
          {
            name: 'a getter that throws at a tagged position',
            answer: {
              ...value,
              customer: {
                get email(): string {
                  throw new Error(c(6));
                },
              },
            },
            ok: false,
          },
          { name: 'a BigInt', answer: { ...value, qty: 10n ** 20n, diagnosis: c(7) }, ok: false },
          { name: 'a cycle', answer: cyclic, ok: false },
        ];
        for (const v of variants.filter(() => d.chance(70))) {
          const id = huntId();
          app.answers.set(id, { form, value: v.answer, text: '{}', cuts: [], logArgs: ['', {}, {}] });
          const seen = await exchange(app, { method: 'GET', path: `/a/mask/${form}`, id });
          app.answers.delete(id);
          const { found, known } = scan({ family: 'mask', middleware: 'maskFields', ci: false }, seen.channels, plants);
          known.forEach((k) => seenKnown.add(k));
          expect(found, leakMessage(name, `maskFields answering ${v.name}`, found)).toEqual([]);
          if (v.ok) {
            expect(seen.status, `${v.name}: ${seen.body.toString().slice(0, 200)}`).toBe(200);
            expectAnswered(JSON.parse(seen.body.toString()), planted, { family: 'mask', middleware: 'maskFields', ci: false }, `${name} ${v.name}`);
          } else {
            expect(seen.status, `${v.name}: refused`).toBeGreaterThanOrEqual(400);
            // Koa serializes ctx.body itself, after every middleware: a BigInt then fails in Koa's respond, answered by Koa's own 500 text.
            if (app.kind !== 'koa' || !v.name.includes('BigInt')) expect(JSON.parse(seen.body.toString()).error.code, v.name).toMatch(/^ERR_/);
            // Fastify and the Web (json()) serialize under the guard: what fails there is fieldguard's own refusal.
            if (app.kind === 'fastify' || app.kind === 'web') expect(JSON.parse(seen.body.toString()).error.code, v.name).toBe('ERR_UNREADABLE_VALUE');
          }
        }
      }),
      fcOptions(),
    );
  }, TIMEOUT);

  it('prototype pollution — __proto__ and constructor.prototype keys in JSON bodies, forms and queries, through every outbound middleware and masking, pollute nothing and reach no vendor', async () => {
    const c = canaries();
    const form = `id=p-1&__proto__[polluted]=${encodeURIComponent(c.email)}&constructor[prototype][polluted]=${encodeURIComponent(c.ssn)}&__proto__.polluted=${encodeURIComponent(c.card)}&customer[__proto__][polluted]=${encodeURIComponent(c.iban)}`;
    const json = `{"id":"p-1","__proto__":{"polluted":"${c.email}"},"constructor":{"prototype":{"polluted":"${c.ssn}"}},"customer":{"__proto__":{"polluted":"${c.card}"}},"items":[{"__proto__":{"polluted":"${c.iban}"}}]}`;
    const plants: Plant[] = (['email', 'ssn', 'card', 'iban'] as const).map((kind, i) => ({ id: i, kind, canary: c[kind], text: c[kind], number: false, where: 'value', segments: ['(proto)'], site: 'proto', depth: 0, cls: 'untagged', clsCI: 'untagged', jsonOnly: false }));
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const requests: ReadonlyArray<{ path: string; type?: string; body?: string }> = [
      ...['scrub', 'tok', 'protect'].flatMap((m) => [
        { path: `/v/${m}/form`, type: 'application/x-www-form-urlencoded', body: form },
        { path: `/v/${m}/raw`, type: 'application/x-www-form-urlencoded', body: form },
        { path: `/v/${m}/raw`, type: 'application/json', body: json },
        { path: `/v/${m}/json`, type: 'application/json', body: json },
        { path: `/v/${m}/query?${form}` },
      ]),
      { path: '/a/mask-in/json', type: 'application/json', body: json },
    ];
    for (const r of requests) {
      const seen = await exchange(app, { method: r.body === undefined ? 'GET' : 'POST', path: r.path, ...(r.type ? { headers: { 'content-type': r.type } } : {}), ...(r.body !== undefined ? { body: Buffer.from(r.body) } : {}) });
      const route: Route = { family: r.path.startsWith('/a/') ? 'mask' : 'outbound', middleware: r.path.includes('/tok/') ? 'tokenizeFields' : 'scrubPII', ci: false };
      // LEAK-4: tokenizeFields forwards the query as it came.
      const channels = r.path.startsWith('/v/tok/query') ? { ...seen.channels, 'vendor.url': '' } : seen.channels;
      const { found } = scan(route, channels, plants);
      expect(found, leakMessage(name, `${r.path} (${r.type ?? 'query'})`, found)).toEqual([]);
      expect([200, 400], `${r.path}: ${seen.body.toString().slice(0, 200)}`).toContain(seen.status);
      expect(({} as Record<string, unknown>)['polluted'], r.path).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort(), r.path).toEqual(before);
    }
  });

  it('injection — CR/LF, a forged log line, quotes, backslashes, U+2028 and NUL in public values and in keys: one vendor request with no injected header, one log line per entry, every line valid JSON', async () => {
    const c = canaries();
    const hostile = [`a\r\nX-Injected: yes`, `b\n{"level":60,"msg":"forged ${c.email}"}`, `c"\\\u2028\u2029\u0000 ${c.ssn}`];
    const body = { id: hostile[0], status: hostile[1], items: [{ sku: hostile[2] }], [`k\r\nX-Injected: yes`]: c.card, meta: { [`m\n{"msg":"forged"}`]: 'v' } };
    const plants: Plant[] = (['email', 'ssn', 'card'] as const).map((kind, i) => ({ id: i, kind, canary: c[kind], text: c[kind], number: false, where: 'value', segments: ['(injection)'], site: 'field', depth: 0, cls: kind === 'card' ? 'untagged' : 'clear', clsCI: kind === 'card' ? 'untagged' : 'clear', jsonOnly: false }));
    const json = JSON.stringify(body);
    const form = qs.stringify(body);
    for (const r of [
      { method: 'POST' as const, path: '/v/scrub/json', type: 'application/json', body: json },
      { method: 'POST' as const, path: '/v/scrub/raw', type: 'application/x-www-form-urlencoded', body: form },
      { method: 'GET' as const, path: `/v/scrub/query?${form}` },
      { method: 'POST' as const, path: '/a/mask-in/json', type: 'application/json', body: json },
    ]) {
      const seen = await exchange(app, { method: r.method, path: r.path, ...(r.type ? { headers: { 'content-type': r.type } } : {}), ...(r.body !== undefined ? { body: Buffer.from(r.body) } : {}) });
      expect(seen.status, `${r.path}: ${seen.body.toString().slice(0, 200)}`).toBe(200);
      const route: Route = { family: r.path.startsWith('/a/') ? 'mask' : 'outbound', middleware: r.path.startsWith('/a/') ? 'maskFields' : 'scrubPII', ci: false };
      const { found } = scan(route, seen.channels, plants);
      expect(found, leakMessage(name, `injection through ${r.path}`, found)).toEqual([]);
      for (const v of seen.vendor) {
        expect(v.headers['x-injected'], r.path).toBeUndefined();
        expect(v.url, r.path).not.toMatch(/[\r\n]/);
      }
      expect(seen.vendor.length, r.path).toBeLessThanOrEqual(1);
      expect(seen.headers['x-injected'], r.path).toBeUndefined();
      for (const channel of ['log.pino', 'log.winston'] as const) {
        const lines = String(seen.channels[channel]).split('\n').filter((l) => l !== '');
        for (const line of lines) {
          const parsed = JSON.parse(line) as { msg?: unknown; message?: unknown };
          expect(parsed.msg ?? parsed.message, `${r.path} ${channel}: no forged line`).not.toBe('forged');
        }
      }
    }
  });

  it('a vault that is down — tokenizing a request, tokenizing and detokenizing an answer — answers 503 within its timeout, forwards nothing and answers no canary', async (ctx) => {
    // Needs redis-server to start and stop a private instance; in CI its absence fails the run.
    if (dead === undefined) {
      if (process.env['CI']) throw new Error('redis-server is needed for the vault-down hunt');
      return ctx.skip();
    }
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const planted = plantPayload(g, { proto: false, caseVariants: false, decoys: false });
        const value = toValue(planted.root);
        const form: AnswerForm = app.kind === 'express' ? 'json' : 'object';
        const started = Date.now();
        const sent = await exchange(app, { method: 'POST', path: '/v/tok-dead/json', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });
        expect(sent.status).toBe(503);
        expect(JSON.parse(sent.body.toString()).error.code).toBe('ERR_VAULT_UNAVAILABLE');
        expect(sent.vendor).toEqual([]);
        const refused = { family: 'refused', middleware: 'tokenizeFields', ci: false } as const;
        let { found } = scan(refused, sent.channels, planted.plants);
        expect(found, leakMessage(name, 'tokenizeFields with the vault down', found)).toEqual([]);
        for (const path of ['tok-dead', 'detok-dead']) {
          const id = huntId();
          app.answers.set(id, { form, value, text: JSON.stringify(value), cuts: [], logArgs: ['', {}, {}] });
          const seen = await exchange(app, { method: 'GET', path: `/a/${path}/${form}`, headers: { 'x-role': 'support' }, id });
          app.answers.delete(id);
          expect(seen.status, `${path}: ${seen.body.toString().slice(0, 200)}`).toBe(503);
          ({ found } = scan({ ...refused, middleware: path === 'tok-dead' ? 'tokenizeFields' : 'detokenizeFields' }, seen.channels, planted.plants));
          expect(found, leakMessage(name, `${path} with the vault down`, found)).toEqual([]);
        }
        expect(Date.now() - started, 'three requests within their 300 ms timeouts, with room for the server').toBeLessThan(3000);
      }),
      { ...fcOptions(), numRuns: Math.min(RUNS, 2) },
    );
  }, TIMEOUT);
});

describe('leak hunt through loggers called directly', () => {
  const logs = { pino: sink(), winston: sink() };
  const p = pino(pinoOptions(huntSchema), logs.pino.stream);
  const w = winston.createLogger({
    level: 'info',
    format: winston.format.combine(redactFormat(huntSchema), winston.format.splat(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: logs.winston.stream })],
  });
  const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

  it('pino with pinoOptions and winston with redactFormat: objects, templates (%s %o %j %d), child bindings, errors with causes, Maps, Sets, cycles, throwing getters and toJSON write no canary but where the schema allows it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const d = new Draw(g);
        const planted = plantPayload(g, { proto: false, caseVariants: d.chance(30), decoys: false });
        const value = toValue(planted.root);
        let next = planted.plants.length;
        const free = (): Plant => freeText(next++, d);
        type Call = { name: string; plants: Plant[]; leaks?: string[]; run: () => void };
        const f = [free(), free(), free(), free()] as const;
        const cyclic: Record<string, unknown> = { order: value };
        cyclic['self'] = cyclic;
        const hostile = {
          order: value,
          get broken(): string {
            throw new Error(f[0].text);
          },
          asJson: { toJSON: () => value },
          boxed: new String(f[1].text),
          when: new Date(0),
        };
        const error = Object.assign(new Error(`failed for ${f[0].text}`, { cause: new Error(f[1].text) }), { order: value, config: { headers: { Authorization: `Bearer ${f[2].text}` } } });
        const all = [...planted.plants];
        const calls: Call[] = [
          { name: 'pino info(object, message)', plants: [...all, f[0]], run: () => p.info({ order: value }, `received ${f[0].text}`) },
          { name: 'pino template %s %o %j %d', plants: [...all, f[0], f[1]], run: () => (p.info as (...a: unknown[]) => void)('got %s %o %j %d', f[0].text, value, { order: value }, f[1].text) },
          { name: 'pino child and grandchild bindings', plants: all, run: () => p.child({ order: value }).child({ again: value }).warn('bound') },
          { name: 'pino error object with cause, own fields and a config', plants: [...all, f[1], f[2]], run: () => p.error({ err: error }, 'failed') },
          { name: 'pino error(err, message)', plants: [...all, f[0], f[1], f[2]], run: () => p.error(error, 'failed') },
          { name: 'pino Map keys, Sets, cycles, throwing getters, toJSON, boxed strings', plants: [...all, f[1]], run: () => p.info({ counts: new Map([[f[3].text, value]]), set: new Set([value]), cyclic, hostile }, 'odd values') },
          { name: 'pino AggregateError', plants: [f[0], f[1]], run: () => p.error({ err: new AggregateError([new Error(f[0].text)], f[1].text) }, 'many') },
          // Known: pino itself writes these as they are.
          { name: 'pino error(err) with no message', plants: [f[3]], leaks: ['LEAK-11'], run: () => p.error(new Error(f[3].text)) },
          { name: 'pino child msgPrefix', plants: [f[2]], leaks: ['LEAK-12'], run: () => p.child({}, { msgPrefix: `${f[2].text} ` }).info('prefixed') },
          {
            name: 'pino setBindings',
            plants: all,
            leaks: ['LEAK-12'],
            run: () => {
              const child = p.child({});
              child.setBindings({ order: value });
              child.info('after setBindings');
            },
          },
          { name: 'winston info(message, meta)', plants: [...all, f[0]], run: () => w.info(`received ${f[0].text}`, { order: value }) },
          { name: 'winston splat %s %o %j', plants: [...all, f[0]], run: () => w.info('got %s %o %j', f[0].text, value, { order: value }) },
          { name: 'winston child bindings', plants: all, run: () => w.child({ order: value }).warn('bound') },
          { name: 'winston error(message, err)', plants: [...all, f[0], f[1], f[2]], run: () => w.error('failed', error) },
          { name: 'winston error(err)', plants: [...all, f[0], f[1], f[2]], run: () => w.error(error) },
          { name: 'winston log({ level, message, … })', plants: [...all, f[0], f[3]], run: () => w.log({ level: 'info', message: f[0].text, order: value, counts: new Map([[f[3].text, 1]]) }) },
        ];
        for (const call of calls) {
          const p0 = logs.pino.length;
          const w0 = logs.winston.length;
          // A logger never throws at its caller, whatever it is given.
          expect(() => call.run(), call.name).not.toThrow();
          await settle();
          const channels = { 'log.pino': logs.pino.since(p0), 'log.winston': logs.winston.since(w0) };
          for (const line of [...channels['log.pino'].split('\n'), ...channels['log.winston'].split('\n')].filter((l) => l !== '')) {
            expect(() => JSON.parse(line), `${call.name}: every line is JSON`).not.toThrow();
          }
          const { found } = scan({ family: 'mask', middleware: 'maskFields', ci: false, ...(call.leaks ? { logCallLeaks: call.leaks } : {}) }, channels, call.plants);
          expect(found, leakMessage('', call.name, found)).toEqual([]);
        }
      }),
      fcOptions(),
    );
  }, TIMEOUT);
});
