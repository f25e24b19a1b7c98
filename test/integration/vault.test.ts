// Tokens on the way to a real vendor and back, on Express and Koa, with SQLite and Redis vaults; audit; failing closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import c2k from 'koa-connect';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, tag, type AuditEvent, type Report } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { createVault, keyRing, redisStore, sqliteStore, type Vault } from '../../src/vault/index.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { redisClient, redisUrl, startPrivateRedis } from '../helpers/redis.js';

const contactSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    plan: tag(z.string(), 'internal'),
  }),
);
const contact = { id: 'c-1', email: 'jane.doe@example.com', phone: '+1 415-555-0132', name: 'Jane Doe', plan: 'pro' };
const RAW = ['jane.doe@example.com', '415-555-0132', 'Jane Doe'];
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 9).toString('base64') } });
const dir = mkdtempSync(join(tmpdir(), 'fieldguard-vault-int-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface App {
  url: string;
  close(): Promise<void>;
}

function expressApp(vault: Vault, vendorUrl: string, reports: Report[]): Promise<App> {
  const app = express();
  app.post(
    '/crm/contacts',
    express.json(),
    fx.tokenizeFields({ schema: contactSchema, vault, namespace: 'crm', onReport: (r) => void reports.push(r) }),
    createProxyMiddleware({ target: vendorUrl, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } }),
  );
  app.get(
    '/support/contact',
    fx.detokenizeFields({
      schema: contactSchema,
      vault,
      namespace: 'crm',
      purpose: 'support ticket',
      authorize: (req) => req.get('x-role') === 'support',
      actor: (req) => req.get('x-user') ?? 'unknown',
      onReport: (r) => void reports.push(r),
    }),
    async (_req, res) => {
      const answer = await fetch(`${vendorUrl}/last`);
      res.json(await answer.json());
    },
  );
  return listen(createServer(app));
}

function koaApp(vault: Vault, vendorUrl: string, reports: Report[]): Promise<App> {
  const app = new Koa();
  const proxy = c2k(createProxyMiddleware({ target: vendorUrl, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } }));
  const tokenize = fk.tokenizeFields({ schema: contactSchema, vault, namespace: 'crm', onReport: (r) => void reports.push(r) });
  const detokenize = fk.detokenizeFields({
    schema: contactSchema,
    vault,
    namespace: 'crm',
    purpose: 'support ticket',
    authorize: (ctx) => ctx.get('x-role') === 'support',
    actor: (ctx) => ctx.get('x-user') || 'unknown',
    onReport: (r) => void reports.push(r),
  });
  app.use(fk.errorHandler());
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/crm/contacts') {
      await bodyParser()(ctx, () =>
        tokenize(ctx, async () => {
          ctx.respond = false;
          await proxy(ctx, next);
        }),
      );
    } else if (ctx.path === '/support/contact') {
      await detokenize(ctx, async () => {
        ctx.body = await (await fetch(`${vendorUrl}/last`)).json();
      });
    }
  });
  return listen(createServer(app.callback()));
}

const url = redisUrl();
const stores: Array<{ name: string; make: () => { vault: Vault; events: AuditEvent[]; close: () => Promise<void> } }> = [
  {
    name: 'SQLite',
    make() {
      const events: AuditEvent[] = [];
      const vault = createVault({ store: sqliteStore(join(dir, `int-${Math.random()}.db`)), keys, audit: (e) => void events.push(e) });
      return { vault, events, close: () => vault.close() };
    },
  },
];
if (url !== undefined) {
  stores.push({
    name: 'Redis',
    make() {
      const events: AuditEvent[] = [];
      const client = redisClient(url);
      const prefix = `fg-int:${process.pid}:${Math.random()}:`;
      const vault = createVault({ store: redisStore(client, { prefix }), keys, audit: (e) => void events.push(e) });
      return {
        vault,
        events,
        close: async () => {
          const left = await client.keys(`${prefix}*`);
          if (left.length > 0) await client.del(...left);
          client.disconnect();
        },
      };
    },
  });
}

const frameworks = [
  { name: 'Express', start: expressApp },
  { name: 'Koa', start: koaApp },
];

describe.each(stores.flatMap((s) => frameworks.map((f) => ({ store: s, framework: f, name: `${f.name} + ${s.name}` }))))('$name', ({ store, framework }) => {
  let vendor: Vendor;
  let app: App;
  let made: ReturnType<(typeof stores)[number]['make']>;
  const reports: Report[] = [];
  beforeAll(async () => {
    vendor = await startVendor({ echo: true });
    made = store.make();
    app = await framework.start(made.vault, vendor.url, reports);
  });
  afterAll(async () => {
    await app.close();
    await vendor.close();
    await made.close();
  });

  it('sends the vendor tokens, never the values', async () => {
    const res = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(contact) });
    expect(res.status).toBe(200);
    const got = JSON.parse(vendor.received.at(-1)!.body);
    expect(got).toEqual({ id: 'c-1', email: expect.stringMatching(/^tok_\w{22}$/), phone: expect.stringMatching(/^tok_\w{22}$/), name: expect.stringMatching(/^tok_\w{22}$/), plan: 'pro' });
    expect(RAW.filter((v) => vendor.received.at(-1)!.body.includes(v))).toEqual([]);
    expect(RAW.filter((v) => JSON.stringify(reports).includes(v))).toEqual([]);
    expect(reports.at(-1)).toMatchObject({ tokenized: 3, kept: 2 });
  });

  it('gives the same tokens to the same contact again', async () => {
    const first = vendor.received.at(-1)!.body;
    await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(contact) });
    expect(vendor.received.at(-1)!.body).toBe(first);
  });

  it('restores the values for an authorized caller, and audits who, why and where — never what', async () => {
    const res = await fetch(`${app.url}/support/contact`, { headers: { 'x-role': 'support', 'x-user': 'agent-7' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(contact);
    const event = made.events.at(-1)!;
    expect(event).toMatchObject({ actor: 'agent-7', purpose: 'support ticket', count: 3, outcome: 'resolved', action: 'detokenize' });
    expect(event.paths).toEqual(['email', 'phone', 'name']);
    expect(RAW.filter((v) => JSON.stringify(made.events).includes(v))).toEqual([]);
  });

  it('refuses an unauthorized caller with 403, audits the refusal, and answers no value', async () => {
    const res = await fetch(`${app.url}/support/contact`, { headers: { 'x-user': 'intruder' } });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_DETOKENIZE_FORBIDDEN', message: 'this caller may not re-identify these fields' } });
    expect(RAW.filter((v) => text.includes(v))).toEqual([]);
    expect(made.events.at(-1)).toMatchObject({ actor: 'intruder', outcome: 'denied', count: 0 });
  });

  it('leaves unknown and erased tokens as they are and reports them', async () => {
    const tokens = JSON.parse(vendor.received.at(-1)!.body) as Record<string, string>;
    expect(await made.vault.forget('jane.doe@example.com', { namespace: 'crm' })).toBe(1);
    const res = await fetch(`${app.url}/support/contact`, { headers: { 'x-role': 'support' } });
    const body = await res.json();
    expect(body).toEqual({ ...contact, email: tokens['email'] });
    expect(reports.at(-1)).toMatchObject({ detokenized: 2, unresolved: 1 });
    expect(made.events.at(-1)).toMatchObject({ outcome: 'partial' });
  });
});

describe('a vault whose Redis server stops', () => {
  it('answers 503 ERR_VAULT_UNAVAILABLE and forwards nothing', async () => {
    const redis = await startPrivateRedis();
    const client = redisClient(redis.url);
    const vault = createVault({ store: redisStore(client), keys, audit: () => undefined, timeoutMs: 500 });
    const vendor = await startVendor({ echo: true });
    const app = await expressApp(vault, vendor.url, []);
    try {
      const ok = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(contact) });
      expect(ok.status).toBe(200);
      expect(vendor.received).toHaveLength(1);
      await redis.stop();
      const res = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...contact, email: 'other@example.com' }) });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_VAULT_UNAVAILABLE', message: 'the token vault is unavailable; nothing was forwarded' } });
      expect(text).not.toContain('other@example.com');
      expect(vendor.received).toHaveLength(1);
    } finally {
      client.disconnect();
      await app.close();
      await vendor.close();
      await redis.stop();
    }
  });
});
