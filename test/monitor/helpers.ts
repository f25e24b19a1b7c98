// Shared fixtures of the monitor tests: a contacts schema, a CRM destination that hashes personal data, and an app per framework.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import c2k from 'koa-connect';
import { z } from 'zod';
import { createMonitor, defineDestinations, defineSchema, tag, type Alert, type Destinations, type Monitor } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { keyRing } from '../../src/vault/index.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';

export const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });

export const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    contacts: z.array(
      z.object({
        email: tag(z.string(), 'personal', { kind: 'email' }),
        phone: tag(z.string(), 'personal', { kind: 'phone' }).optional(),
        plan: tag(z.string(), 'internal').optional(),
      }),
    ),
  }),
);

export function crm(url: string): Destinations {
  return defineDestinations(
    { crm: { vendor: 'CRM Inc', baseUrl: url, region: 'DE', lawfulBasis: 'contract', purpose: 'customer records', rules: { public: 'keep', internal: 'keep', personal: 'hash' } } },
    { keys },
  );
}

export type App = { url: string; close(): Promise<void> };

/**
 * A gateway with one protected route proxied to the vendor: POST /crm/contacts. `build`, when given,
 * makes the body the route hands protect from the parsed one (as an app that assembles a record does).
 */
export async function gateway(framework: 'Express' | 'Koa', destinations: Destinations, vendorUrl: string, build?: (parsed: unknown) => unknown): Promise<App> {
  const proxy = createProxyMiddleware({ target: vendorUrl, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } });
  if (framework === 'Express') {
    const e = express();
    const assemble: express.RequestHandler = (req, _res, next) => {
      if (build !== undefined) req.body = build(req.body);
      next();
    };
    e.post('/crm/contacts', express.json(), assemble, fx.protect({ schema, destinations, destination: 'crm' }), proxy);
    return listen(createServer(e));
  }
  const k = new Koa();
  const guard = fk.protect({ schema, destinations, destination: 'crm' });
  const koaProxy = c2k(proxy);
  k.use((ctx, next) =>
    ctx.path === '/crm/contacts'
      ? bodyParser()(ctx, () => {
          if (build !== undefined) (ctx.request as { body?: unknown }).body = build((ctx.request as { body?: unknown }).body);
          return guard(ctx, async () => {
            ctx.respond = false;
            await koaProxy(ctx, next);
          });
        })
      : next(),
  );
  return listen(createServer(k.callback()));
}

export async function post(app: App, body: unknown, path = '/crm/contacts'): Promise<{ status: number; body: string }> {
  const r = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.text() };
}

/** A clock the test moves. */
export function testClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void; set(t: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}

/** A gateway to a fresh local vendor behind a monitor on a test clock; `mint` plants the decoys a case needs. */
export async function decoyRig<D>(
  framework: 'Express' | 'Koa',
  mint: (monitor: Monitor) => D,
): Promise<{ vendor: Vendor; app: App; monitor: Monitor; alerts: Alert[]; decoys: D; close(): Promise<void> }> {
  const vendor = await startVendor();
  const destinations = crm(vendor.url);
  const alerts: Alert[] = [];
  const monitor = createMonitor({ destinations, clock: testClock().now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined });
  const decoys = mint(monitor);
  const app = await gateway(framework, destinations, vendor.url);
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
