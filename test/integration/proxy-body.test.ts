// proxyBody: a proxied body is the text fieldguard serialized, byte for byte, on Express and on Koa.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import c2k from 'koa-connect';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, proxyBody, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';

const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));
const secret = 'jane.proxy@example.com';
const payload = JSON.stringify({ id: 'o-1', email: secret, extra: secret });

let vendor: Vendor;
beforeAll(async () => {
  vendor = await startVendor();
});
afterAll(async () => {
  await vendor.close();
});

async function post(url: string): Promise<number> {
  const res = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  await res.text();
  return res.status;
}

describe('proxyBody', () => {
  it('Express: the vendor receives the scrubbed text with its own content-length, and nothing of the value', async () => {
    const app = express();
    app.post('/orders', express.json(), fx.scrubPII({ schema }), createProxyMiddleware({ target: vendor.url, on: { proxyReq: proxyBody } }));
    const server = await listen(createServer(app));
    try {
      expect(await post(server.url)).toBe(200);
      const got = vendor.received.at(-1)!;
      expect(got.body).toBe('{"id":"o-1"}');
      expect(got.headers['content-length']).toBe(String(Buffer.byteLength(got.body)));
      expect(vendor.wire()).not.toContain(secret);
    } finally {
      await server.close();
    }
  });

  it('Koa: the same through koa-connect', async () => {
    const app = new Koa();
    app.use(bodyParser());
    app.use(fk.scrubPII({ schema }));
    const proxy = c2k(createProxyMiddleware({ target: vendor.url, on: { proxyReq: proxyBody } }));
    app.use((ctx, next) => {
      ctx.respond = false;
      return proxy(ctx, next);
    });
    const server = await listen(createServer(app.callback()));
    try {
      expect(await post(server.url)).toBe(200);
      const got = vendor.received.at(-1)!;
      expect(got.body).toBe('{"id":"o-1"}');
      expect(got.headers['content-length']).toBe(String(Buffer.byteLength(got.body)));
      expect(vendor.wire()).not.toContain(secret);
    } finally {
      await server.close();
    }
  });
});
