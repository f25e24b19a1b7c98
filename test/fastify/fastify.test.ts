// fieldguard/fastify beyond the conformance suite: Fastify's own pino logger redacted, plugin encapsulation, thrown refusals, tokens through reply-from.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ff from '../../src/fastify/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { leaks, MASKED_ORDER, SENSITIVE, orderSchema, sampleOrder } from '../fixtures/order.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';

let vendor: Vendor;
beforeAll(async () => {
  vendor = await startVendor({ echo: true });
});
afterAll(() => vendor.close());

const json = (payload: unknown) => ({ method: 'POST' as const, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

describe('redactLogs through Fastify’s own pino logger', () => {
  it('Fastify built with loggerOptions (pinoOptions): request.log redacts, one request line, no raw value in any log byte', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, cb) => void (lines.push(c.toString()), cb()) });
    const app = Fastify({ logger: { ...ff.loggerOptions(orderSchema), stream }, disableRequestLogging: true });
    app.addHook('onRequest', ff.redactLogs({ schema: orderSchema, logger: app.log, destination: 'vendor' }));
    app.post('/orders/:id', async (request) => {
      request.log.info({ order: request.body }, 'received %s', 'jane.doe@example.com');
      return { ok: true };
    });
    const res = await app.inject({ ...json(sampleOrder()), url: '/orders/o-1?email=jane.doe%40example.com' });
    expect(res.statusCode).toBe(200);
    await app.close();
    const all = lines.join('');
    const parsed = lines.flatMap((l) => l.split('\n')).filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = parsed.find((l) => l['msg'] === 'request completed')!;
    expect(line).toMatchObject({ method: 'POST', route: '/orders/:id', status: 200, destination: 'vendor' });
    const received = parsed.find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('received'))!;
    expect(received['reqId']).toBeDefined();
    for (const s of [...SENSITIVE, 'jane.doe%40example.com']) expect(all).not.toContain(s);
    expect(leaks(all)).toEqual([]);
  });

  it('requestLog(request) stays the redacting logger after the app assigns its own to request.log, and is undefined without redactLogs', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, cb) => void (lines.push(c.toString()), cb()) });
    const app = Fastify({ logger: { ...ff.loggerOptions(orderSchema), stream }, disableRequestLogging: true });
    const plain: unknown[] = [];
    await app.register(async (scope) => {
      scope.addHook('onRequest', ff.redactLogs({ schema: orderSchema, logger: app.log }));
      // The app's own logger, which writes whatever it is given.
      scope.addHook('preHandler', async (request) => void (request.log = { ...request.log, info: (...args: unknown[]) => void plain.push(args) } as unknown as typeof request.log));
      scope.post('/orders', async (request) => {
        expect(ff.requestLog(request)).not.toBe(request.log);
        ff.requestLog(request)!.info({ order: request.body }, 'received');
        ff.requestLog(request)!.child({ step: 'charge' }).info({ card: (request.body as { payment: { card: string } }).payment.card }, 'charging');
        return { ok: true };
      });
    });
    app.get('/bare', async (request) => ({ log: ff.requestLog(request) === undefined }));
    expect((await app.inject({ ...json(sampleOrder()), url: '/orders' })).statusCode).toBe(200);
    expect(JSON.parse((await app.inject('/bare')).body)).toEqual({ log: true });
    await app.close();
    const parsed = lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.filter((l) => l['msg'] === 'received' || l['msg'] === 'charging').map((l) => [l['msg'], l['reqId'] !== undefined, l['step']])).toEqual([
      ['received', true, undefined],
      ['charging', true, 'charge'],
    ]);
    expect(plain).toEqual([]);
    for (const s of SENSITIVE) expect(lines.join('')).not.toContain(s);
  });
});

describe('the fieldguard plugin', () => {
  it('applies config.fieldguard in the scope that registered it and its children, never to a sibling', async () => {
    const app = Fastify();
    await app.register(async (guarded) => {
      await guarded.register(ff.fieldguard);
      guarded.get('/a', { config: { fieldguard: [ff.maskFields({ schema: orderSchema })] } }, async () => sampleOrder());
      await guarded.register(async (child) => {
        child.get('/b', { config: { fieldguard: [ff.maskFields({ schema: orderSchema })] } }, async () => sampleOrder());
      });
    });
    await app.register(async (sibling) => {
      // Without the plugin, config.fieldguard is inert; that is why guards also work as plain preHandler hooks.
      sibling.get('/c', { config: { fieldguard: [ff.maskFields({ schema: orderSchema })] } }, async () => ({ id: 'plain' }));
      sibling.get('/d', { preHandler: ff.maskFields({ schema: orderSchema }) }, async () => sampleOrder());
    });
    expect(JSON.parse((await app.inject('/a')).body)).toEqual(MASKED_ORDER);
    expect(JSON.parse((await app.inject('/b')).body)).toEqual(MASKED_ORDER);
    expect(JSON.parse((await app.inject('/c')).body)).toEqual({ id: 'plain' });
    expect(JSON.parse((await app.inject('/d')).body)).toEqual(MASKED_ORDER);
    await app.close();
  });

  it('runs the plugin’s own guards on every route of its scope', async () => {
    const app = Fastify();
    await app.register(ff.fieldguard, { guards: [ff.maskFields({ schema: orderSchema })] });
    app.get('/o', async () => sampleOrder());
    expect(JSON.parse((await app.inject('/o')).body)).toEqual(MASKED_ORDER);
    await app.close();
  });
});

describe('refusals and tokens', () => {
  it("hands a refusal to the app's error handler with errors: 'throw', and the proxy never runs", async () => {
    const app = Fastify();
    await app.register(replyFrom, { base: vendor.url });
    const seen: string[] = [];
    app.setErrorHandler((error: { code?: string; statusCode?: number }, _request, reply) => {
      seen.push(String(error.code));
      void reply.code(error.statusCode ?? 500).send({ refused: error.code });
    });
    app.post('/vendor', { preHandler: ff.scrubPII({ schema: orderSchema, untagged: 'reject', errors: 'throw' }) }, (_request, reply) => reply.from('/orders'));
    const before = vendor.received.length;
    const res = await app.inject({ ...json({ coupon: 'jane.doe@example.com' }), url: '/vendor' });
    expect(res.statusCode).toBe(422);
    expect(JSON.parse(res.body)).toEqual({ refused: 'ERR_UNTAGGED_FIELD' });
    expect(seen).toEqual(['ERR_UNTAGGED_FIELD']);
    expect(vendor.received.length).toBe(before);
    await app.close();
  });

  it('tokenizes what reply-from forwards, and detokenizes the vendor’s answer for an authorized caller', async () => {
    const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 5).toString('base64') } }), audit: () => undefined });
    const app = Fastify();
    await app.register(replyFrom, { base: vendor.url });
    app.post('/crm', { preHandler: ff.tokenizeFields({ schema: orderSchema, vault, namespace: 'crm' }) }, (_request, reply) => reply.from('/contacts'));
    app.get(
      '/crm/last',
      { preHandler: ff.detokenizeFields({ schema: orderSchema, vault, namespace: 'crm', purpose: 'support', authorize: (request) => request.headers['x-role'] === 'support' }) },
      (_request, reply) => reply.from('/last'),
    );
    const saved = await app.inject({ ...json(sampleOrder()), url: '/crm' });
    expect(saved.statusCode).toBe(200);
    expect(leaks(vendor.received.at(-1)!.body)).toEqual([]);
    expect(leaks(saved.body)).toEqual([]);
    expect((await app.inject('/crm/last')).statusCode).toBe(403);
    const back = await app.inject({ url: '/crm/last', headers: { 'x-role': 'support' } });
    expect((JSON.parse(back.body) as { customer: { email: string } }).customer.email).toBe('jane.doe@example.com');
    await app.close();
  });
});

describe('the serialization of a guarded answer', () => {
  // A response guard serializes the reply's values under a guard; what Fastify makes of a value must stay the same.
  const responseSchema = { type: 'object', properties: { id: { type: 'string' }, total: { type: 'number' }, customer: { type: 'object', properties: { email: { type: 'string' } } } } } as const;

  it("serializes with the route's response schema, per status and per media type, the app's reply serializer and its default one", async () => {
    const app = Fastify();
    const guard = ff.maskFields({ schema: orderSchema });
    const order = { id: 'o-1', total: 3, customer: { email: 'jane.doe@example.com' }, hidden: 'not in the schema' };
    app.get('/schema', { preHandler: guard, schema: { response: { 200: responseSchema } } }, async () => order);
    app.get('/fallback', { preHandler: guard, schema: { response: { '2xx': responseSchema } } }, async (_request, reply) => reply.code(201).send(order));
    app.get('/by-type', { preHandler: guard, schema: { response: { 200: { content: { 'application/vnd.order+json': { schema: responseSchema } } } } } }, async (_request, reply) =>
      reply.type('application/vnd.order+json').send(order),
    );
    app.get('/own', { preHandler: guard }, async (_request, reply) => reply.serializer((p: unknown) => JSON.stringify({ wrapped: p })).send({ id: 'o-2', customer: { email: 'jane.doe@example.com' } }));
    app.get('/text', { preHandler: guard }, async (_request, reply) => reply.type('application/json').send('{"id":"o-3"}'));
    await app.register(async (scope) => {
      scope.setReplySerializer((p) => JSON.stringify({ scoped: true, ...(p as object) }));
      scope.get('/default', { preHandler: guard }, async () => ({ id: 'o-4' }));
    });
    const masked = { id: 'o-1', total: 3, customer: { email: 'j***@example.com' } };
    const schema = await app.inject('/schema');
    expect([schema.statusCode, schema.headers['content-type'], JSON.parse(schema.body)]).toEqual([200, 'application/json; charset=utf-8', masked]);
    const fallback = await app.inject('/fallback');
    expect([fallback.statusCode, JSON.parse(fallback.body)]).toEqual([201, masked]);
    const byType = await app.inject('/by-type');
    expect([byType.statusCode, byType.headers['content-type'], JSON.parse(byType.body)]).toEqual([200, 'application/vnd.order+json; charset=utf-8', masked]);
    // The app's own serializer wraps the value: the plan's paths no longer match (masking reads what is sent), untagged keys are scanned.
    const own = await app.inject('/own');
    expect(own.statusCode).toBe(200);
    expect(own.body).not.toContain('jane.doe@example.com');
    expect(JSON.parse((await app.inject('/text')).body)).toEqual({ id: 'o-3' });
    expect(JSON.parse((await app.inject('/default')).body)).toEqual({ scoped: true, id: 'o-4' });
    await app.close();
  });

  it('refuses an answer the response schema cannot serialize with ERR_UNREADABLE_VALUE, never the serializer’s message that quotes the value', async () => {
    const app = Fastify();
    const errors: unknown[] = [];
    app.setErrorHandler((error, _request, reply) => void (errors.push(error), reply.code(500).send({ seen: true })));
    app.get('/o', { preHandler: ff.maskFields({ schema: orderSchema }), schema: { response: { 200: { type: 'object', properties: { total: { type: 'integer' } } } } } }, async () => ({ total: 'jane.doe@example.com' }));
    const res = await app.inject('/o');
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'ERR_UNREADABLE_VALUE', message: 'the answer could not be serialized (a getter, toJSON or proxy threw), so it cannot be masked' } });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errors).toEqual([]);
    await app.close();
  });

  it('refuses a payload that throws when Fastify asks what it is (a Proxy), answered or thrown as the guard says, quoting nothing', async () => {
    const app = Fastify();
    const errors: Array<{ code?: string; message?: string }> = [];
    app.setErrorHandler((error: { code?: string; message?: string }, _request, reply) => void (errors.push(error), reply.code(500).send({ seen: error.code })));
    const proxy = (): unknown => new Proxy({}, { get: () => { throw new Error('jane.doe@example.com'); } });
    // Sent with reply.send: an async handler returning it would reject (its promise reads `then`), which is the app's own error.
    app.get('/answer', { preHandler: ff.maskFields({ schema: orderSchema }) }, (_request, reply) => reply.send(proxy()));
    app.get('/throw', { preHandler: ff.maskFields({ schema: orderSchema, errors: 'throw' }) }, (_request, reply) => reply.send(proxy()));
    const answered = await app.inject('/answer');
    expect([answered.statusCode, JSON.parse(answered.body).error.code]).toEqual([500, 'ERR_UNREADABLE_VALUE']);
    const thrown = await app.inject('/throw');
    expect([thrown.statusCode, JSON.parse(thrown.body)]).toEqual([500, { seen: 'ERR_UNREADABLE_VALUE' }]);
    expect(errors.map((e) => e.code)).toEqual(['ERR_UNREADABLE_VALUE']);
    expect(leaks(answered.body + thrown.body + JSON.stringify(errors.map((e) => e.message)))).toEqual([]);
    await app.close();
  });
});
