// A gateway for the HTTP benchmark, in its own process: `node bench/http-server.mjs <express|koa|fastify|hono> <variant> <vendorUrl>`.
import { Agent, createServer } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import Koa from 'koa';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import c2k from 'koa-connect';
import pino from 'pino';
import { defineDestinations } from 'fieldguard';
import * as fx from 'fieldguard/express';
import * as fk from 'fieldguard/koa';
import * as ff from 'fieldguard/fastify';
import * as fw from 'fieldguard/web';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createVault, keyRing, memoryStore } from 'fieldguard/vault';
import { orderSchema } from './payloads.mjs';

const [framework, variant, vendorUrl] = process.argv.slice(2);
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } });
const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
const destinations = defineDestinations(
  { analytics: { vendor: 'Acme', region: 'US', transfer: 'scc', lawfulBasis: 'legitimate_interests', purpose: 'analytics', rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash' } } },
  { vault },
);
const logger = pino(new Writable({ write(_c, _e, cb) { cb(); } }));
const guard = variant !== 'bare';
// Keep-alive to the vendor, as a production gateway would; every variant proxies the same way.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const proxyOptions = { target: vendorUrl, agent, on: { proxyReq: fixRequestBody } };
const logs = variant === 'protect+logs';

let app;
if (framework === 'express') {
  const e = express();
  if (logs) e.use(fx.redactLogs({ schema: orderSchema, logger }));
  // The bare route pipes the body through; protect reads and parses it itself.
  const chain = [];
  if (guard) chain.push(fx.protect({ schema: orderSchema, destinations, destination: 'analytics' }));
  chain.push(createProxyMiddleware(proxyOptions));
  e.post('/orders', ...chain);
  app = e;
} else if (framework === 'fastify') {
  // Fastify parses the JSON body itself; the bare route forwards it with @fastify/reply-from (undici, keep-alive).
  const f = Fastify();
  await f.register(replyFrom, { base: vendorUrl });
  if (logs) f.addHook('onRequest', ff.redactLogs({ schema: orderSchema, logger }));
  f.post('/orders', { preHandler: guard ? [ff.protect({ schema: orderSchema, destinations, destination: 'analytics' })] : [] }, (_request, reply) => reply.from('/orders'));
  await f.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${f.server.address().port}\n`);
} else if (framework === 'hono') {
  // A Web-standard handler that forwards with fetch (undici, keep-alive), served by @hono/node-server.
  const h = new Hono();
  if (logs) h.use(fw.middleware(fw.redactLogs({ schema: orderSchema, logger })));
  const forward = async (c) => {
    const res = await fetch(`${vendorUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await c.req.raw.arrayBuffer() });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': 'application/json' } });
  };
  if (guard) h.post('/orders', fw.middleware(fw.protect({ schema: orderSchema, destinations, destination: 'analytics' })), forward);
  else h.post('/orders', forward);
  const s = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${info.port}\n`));
  void s;
} else {
  const k = new Koa();
  if (logs) k.use(fk.redactLogs({ schema: orderSchema, logger }));
  if (guard) k.use(fk.protect({ schema: orderSchema, destinations, destination: 'analytics' }));
  const proxy = c2k(createProxyMiddleware(proxyOptions));
  k.use((ctx, next) => {
    ctx.respond = false;
    return proxy(ctx, next);
  });
  app = k.callback();
}
if (app !== undefined) {
  const server = createServer(app).listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}
