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
